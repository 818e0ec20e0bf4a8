//! demesh: private groups for the fediverse. See README.md.

pub mod cli;
pub mod config;
pub mod db;
pub mod documents;
pub mod error;
pub mod group_name;
pub mod keys;
pub mod routes;
pub mod server;
pub mod urls;
