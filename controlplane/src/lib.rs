//! gproxy control plane: the single writer of the configuration and the only process that
//! touches the database.

pub mod crypto;
pub mod passwords;
pub mod store;

pub mod api;
pub mod grpc;
pub mod publish;
pub mod registry;
pub mod server;
pub mod service;
