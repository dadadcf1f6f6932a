//! Configuration shared by both planes: the declarative bundle document (what operators write),
//! its validation, and the snapshot (what a data plane runs from: key digests, never keys).

pub mod bundle;
pub mod digest;
pub mod env;
pub mod rules;
pub mod snapshot;
pub mod usage;
mod validate;

pub use bundle::Bundle;
pub use snapshot::Snapshot;
pub use validate::{ValidationError, ValidationErrors};
