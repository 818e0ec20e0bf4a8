//! Talking to other servers: the HTTP client, fetching actors and keys,
//! and sending signed requests.

pub mod actor;
pub mod client;
pub mod fanout;
pub mod guard;
pub mod key_gate;
pub mod key_owner;
pub mod profile;
pub mod signer;
pub mod sync;

pub use client::{Client, FetchError};
