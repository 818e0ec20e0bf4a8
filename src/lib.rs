//! demesh: private groups for the fediverse. See README.md.

pub mod account;
pub mod activities;
pub mod cli;
pub mod config;
pub mod context;
pub mod conversation;
pub mod db;
pub mod delivery;
pub mod direct;
pub mod documents;
pub mod error;
pub mod federation;
pub mod group_name;
pub mod invite;
pub mod keys;
pub mod membership;
pub mod memory;
pub mod metrics;
pub mod moderation;
pub mod opening;
pub mod routes;
pub mod rules;
pub mod server;
pub mod signatures;
pub mod urls;
