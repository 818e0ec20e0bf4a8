//! Outgoing delivery: a durable queue in the database (see `db::queue`),
//! a worker that sends signed POSTs, and the retry schedule.

pub mod backoff;
pub mod late;
pub mod probe;
pub mod recorder;
pub mod refresh;
pub mod retention;
pub mod worker;
