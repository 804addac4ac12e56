//! flinspect: read Apache Flink checkpoint and savepoint `_metadata` files without a JVM.
//!
//! Entry points: [`format::parse`] decodes bytes into a borrowed [`model::Metadata`];
//! [`load::load`] opens a path (a `_metadata` file or a snapshot directory) and maps it.
//!
//! ```
//! let bytes = std::fs::read("testdata/flink-1.20.3/hashmap/savepoint-canonical/_metadata");
//! # let bytes: Vec<u8> = match bytes { Ok(b) => b, Err(_) => return };
//! let metadata = flinspect::format::parse(&bytes).expect("a real Flink savepoint");
//! for op in &metadata.operators {
//!     println!("{} p={} maxP={} {} bytes", op.id, op.parallelism, op.max_parallelism, op.state_size());
//! }
//! ```

pub mod analysis;
pub mod check;
pub mod format;
pub mod load;
pub mod model;
pub mod render;
pub mod scan;
