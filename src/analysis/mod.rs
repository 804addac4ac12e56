//! Facts flinspect derives from a decoded snapshot, each with the evidence it came from: what
//! kind of snapshot it is, the backend its keyed state implies, key-group coverage, and the
//! files it references.
//!
//! Architecture invariant: derived facts never overwrite what the file records. The V4+ trailer
//! says what the snapshot is; everything here is an inference and says so.
//!
//! One module per topic: [`facts`] (the vocabulary), [`summary`] (the snapshot's summary),
//! [`coverage`] (key groups), [`references`] (streams and files).

mod coverage;
mod facts;
mod references;
mod summary;

pub use coverage::*;
pub use facts::*;
pub use references::*;
pub use summary::*;
