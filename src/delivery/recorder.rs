//! Writes delivery results in batches. Each finished delivery hands its
//! result to one recorder task, which writes everything that finished
//! while its previous write ran in a single transaction: under a large
//! fan-out that is one commit per few hundred deliveries instead of one
//! each (a commit per delivery was most of PostgreSQL's fan-out time), and
//! a lone delivery is still written at once.
//!
//! A delivery waits for its result to be written before it gives back its
//! slot (and its server's turn), so that no more deliveries per server
//! are ever sent-but-unrecorded than are in flight to it: the bound on
//! what a killed process can make repeat. A result not yet written when
//! the process dies leaves its delivery claimed; it goes out again once
//! the claim's lease ends, and receivers ignore the repeat by its id.

use crate::db::queue::Attempt;
use crate::db::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Most results written in one transaction.
const MAX_BATCH: usize = 500;
/// Tries per batch when the database refuses the write.
const TRIES: u32 = 3;

/// An attempt, and who to tell once it is written (or given up on).
type Pending = (Attempt, oneshot::Sender<()>);

/// What ends the memberships of an account whose inbox answered 410 Gone,
/// run in the transaction that records the result (the removal's
/// activities are queued with it). Given by the server's wiring, which
/// knows the membership rules.
pub type OnGone = Arc<dyn Fn(&Db, &str) -> anyhow::Result<()> + Send + Sync>;

#[derive(Clone)]
pub struct Recorder {
    tx: mpsc::UnboundedSender<Pending>,
}

impl Recorder {
    /// Starts the recorder task on the current runtime.
    pub fn spawn(db: Db, on_gone: OnGone) -> Recorder {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db, rx, on_gone));
        Recorder { tx }
    }

    /// Hands the attempt to the recorder and waits until its batch is
    /// written (or the writes were given up on).
    pub async fn record(&self, attempt: Attempt) {
        let (done, written) = oneshot::channel();
        if self.tx.send((attempt, done)).is_err() {
            // Only at shutdown: the claim's lease brings the delivery back.
            tracing::warn!("delivery recorder stopped; the attempt will be repeated");
            return;
        }
        let _ = written.await;
    }
}

/// Records a batch; the memberships of accounts gone (410) end with the
/// full removal in the same transaction. Should that removal fail, the
/// results are recorded without it (the memberships still end): a result
/// not written would make its delivery go out again.
fn record(db: &Db, attempts: &[Attempt], on_gone: &OnGone) -> crate::db::DbResult<()> {
    let gone: Vec<&String> = attempts
        .iter()
        .filter_map(|a| a.gone_actor.as_ref())
        .collect();
    if gone.is_empty() {
        return db.record_attempts(attempts);
    }
    let with_removal = db.transaction(|tx| {
        for actor in &gone {
            on_gone(tx, actor)?;
        }
        end_memberships(tx, &gone)?;
        tx.record_attempts(attempts)?;
        Ok::<_, anyhow::Error>(())
    });
    match with_removal {
        Ok(()) => Ok(()),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot queue the removal of a gone account; ending its memberships only");
            db.transaction(|tx| {
                end_memberships(tx, &gone)?;
                tx.record_attempts(attempts)
            })
        }
    }
}

/// A 410 Gone from a personal inbox: the account is gone, so its
/// memberships and requests end whatever the removal could queue.
fn end_memberships(tx: &Db, gone: &[&String]) -> crate::db::DbResult<()> {
    for actor in gone {
        tx.delete_memberships_of(actor)?;
    }
    Ok(())
}

async fn run(db: Db, mut rx: mpsc::UnboundedReceiver<Pending>, on_gone: OnGone) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (attempts, waiting): (Vec<Attempt>, Vec<_>) = batch.drain(..).unzip();
        let attempts = std::sync::Arc::new(attempts);
        for attempt in 1..=TRIES {
            let (chunk, hook) = (attempts.clone(), on_gone.clone());
            match db.call(move |db| record(db, &chunk, &hook)).await {
                Ok(()) => break,
                Err(e) if attempt < TRIES => {
                    tracing::warn!(error = %e, "cannot record delivery results; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => tracing::error!(
                    error = %e,
                    results = attempts.len(),
                    "cannot record delivery results; they will be sent again after their lease"
                ),
            }
        }
        for done in waiting {
            let _ = done.send(());
        }
    }
}
