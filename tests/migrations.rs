//! Several processes starting at once on a fresh database (a deployment
//! that starts a web and two worker processes together) must not race on
//! the migrations.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Backend, TestDb};
use demesh::db::Db;
use std::sync::{Arc, Barrier};

const PROCESSES: usize = 6;

async fn concurrent_migrations_all_succeed_once(backend: Backend) {
    let db = TestDb::new(backend);
    // Each "process" has its own pool, as separate processes would; the
    // barrier lines them up so they reach the migrations together.
    let barrier = Arc::new(Barrier::new(PROCESSES));
    let handles: Vec<_> = (0..PROCESSES)
        .map(|_| {
            let (url, barrier) = (db.url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let db = Db::open(&url)?;
                barrier.wait();
                db.migrate()
            })
        })
        .collect();
    let results: Vec<anyhow::Result<usize>> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut applied = Vec::new();
    for r in results {
        match r {
            Ok(n) => applied.push(n),
            Err(e) => panic!("a concurrent migration failed: {e:#}"),
        }
    }
    let total = applied.iter().sum::<usize>();
    let max = *applied.iter().max().unwrap();
    assert!(max > 0, "someone applied the migrations: {applied:?}");
    assert_eq!(total, max, "each migration ran once: {applied:?}");
    // The schema is whole: a later start finds nothing to do and works.
    let db = Db::connect(&db.url).unwrap();
    assert_eq!(db.migrate().unwrap(), 0);
    assert!(db.list_groups().unwrap().is_empty());
}

backend_tests!(concurrent_migrations_all_succeed_once);
