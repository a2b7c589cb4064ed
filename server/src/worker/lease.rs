//! A worker's two heartbeats: its own in `lab_workers` (so web instances know
//! it is live), and its running job's lease in `lab_jobs` (so the reaper
//! leaves the job alone, and a cancel reaches the engine's stop flag).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use lab_storage::db::{now_ms, Db};
use lab_storage::jobs::{self, JobError, Needs};
use lab_storage::workers::{self, Worker};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use std::time::Duration;

/// What a worker registers (again, when it was forgotten after a silence).
pub(crate) struct Registration {
    pub id: String,
    pub offers: Needs,
    pub adapter: String,
    pub software: bool,
    pub limits: String,
}

impl Registration {
    fn worker(&self) -> Worker<'_> {
        Worker {
            id: &self.id,
            offers: self.offers,
            adapter: &self.adapter,
            software: self.software,
            limits: &self.limits,
        }
    }
}

/// Beats every `every` until `stop`, then marks the worker stopping (no
/// new request is promised to it while it finishes its job).
pub(crate) fn spawn_beats(
    db: Db,
    me: Registration,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
            let now = db.clock_ms().await.unwrap_or_else(|_| now_ms());
            match workers::beat(&db, &me.id, now).await {
                Ok(true) => {}
                Ok(false) => {
                    if let Err(e) = workers::register(&db, me.worker(), now).await {
                        tracing::warn!(error = %e, "registering the worker again failed");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the worker's heartbeat failed"),
            }
        }
        if let Err(e) = workers::stopping(&db, &me.id).await {
            tracing::warn!(error = %e, "marking the worker stopping failed");
        }
    });
}

/// Extends job `id`'s lease to `lease` every `every` until aborted. A cancel asked
/// in the database sets `stop`; a lease this worker lost (the reaper gave the
/// job to another attempt) sets `stop` and `fenced`.
pub(crate) fn hold(
    db: Db,
    id: String,
    attempt: i64,
    (lease, every): (Duration, Duration),
    stop: Arc<AtomicBool>,
    fenced: Arc<AtomicBool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let beat = match db.clock_ms().await {
                Ok(now) => jobs::heartbeat(&db, &id, attempt, now, lease.as_millis() as i64).await,
                Err(e) => Err(JobError::Database(e)),
            };
            match beat {
                Ok(cancel) => {
                    if cancel {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
                Err(JobError::Fenced(_)) => {
                    tracing::warn!(job = %id, attempt, "the job's lease was lost: stopping it");
                    fenced.store(true, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                    return;
                }
                // The lease may still hold: try again at the next beat.
                Err(e) => tracing::warn!(job = %id, error = %e, "a job heartbeat failed"),
            }
        }
    })
}
