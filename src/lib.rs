//! flinspect: read Apache Flink checkpoint and savepoint `_metadata` files without a JVM.
//!
//! Entry points: [`load::load`] opens a path (a `_metadata` file or a snapshot directory) and
//! maps it; [`format::parse`] decodes bytes into a borrowed [`model::Metadata`], and
//! [`format::Records`] is the record cursor beneath it (one operator at a time); the commands
//! are library calls: [`inspect::inspect`], [`check::check`], [`diff::diff`] (two job graphs),
//! [`scan::scan`]. Per-operator work is a [`fold::Fold`], which [`split::fold`] runs on one or
//! two threads. Errors outside the decoder are one [`Error`].
//!
//! ```
//! // A canonical savepoint Flink 1.20.3 wrote (testdata/README.md says how it was made).
//! let path = "testdata/flink-1.20.3/hashmap/savepoint-0df2b7-debb84d71e7b/_metadata";
//! let loaded = flinspect::load::load(std::path::Path::new(path)).expect("bundled fixture");
//! let metadata = flinspect::format::parse(&loaded.bytes).expect("a real Flink savepoint");
//! assert_eq!(metadata.version.0, 4);
//! for op in &metadata.operators {
//!     println!("{} p={} maxP={} {} bytes", op.id, op.parallelism, op.max_parallelism, op.state_size());
//! }
//! let my_source = flinspect::model::OperatorId::from_uid("my-source");
//! assert!(metadata.operator(&my_source).is_some());
//! ```

pub mod analysis;
pub mod audit;
pub mod check;
pub mod config;
pub mod diff;
pub mod error;
pub mod fold;
pub mod format;
pub mod graph;
pub mod inspect;
pub mod load;
pub mod model;
pub mod probe;
pub mod render;
pub mod scan;
pub mod split;
pub mod storage;
pub mod units;

pub use error::{Error, Result};
