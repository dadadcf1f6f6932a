//! The control plane ⇄ data plane contract (`proto/gproxy/v1/plane.proto`): generated prost/tonic
//! types in [`v1`], conversions to and from the domain types of `gproxy-config` in [`convert`],
//! and snapshot deltas in [`delta`].

pub mod convert;
pub mod delta;
#[cfg(test)]
mod testgen;

/// Generated code for package `gproxy.v1` (messages, `control_plane_client`, `control_plane_server`).
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod v1 {
    tonic::include_proto!("gproxy.v1");
}

pub use convert::ConvertError;
pub use v1::control_plane_client::ControlPlaneClient;
pub use v1::control_plane_server::{ControlPlane, ControlPlaneServer};

/// The tonic and prost versions the generated code was built with, for the crates that serve or
/// call it.
pub use prost;
pub use tonic;

/// Highest schema this build understands (`Hello.schema`, `ConfigResponse.schema`).
pub const SCHEMA: u32 = 1;
