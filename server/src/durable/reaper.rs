//! The queue's housekeeping, run by one web instance at a time (a session
//! advisory lock): jobs whose worker stopped answering go back in line once,
//! jobs nobody follows are cancelled, finished jobs and silent workers are
//! forgotten after a while.

use std::time::Duration;

use lab_storage::db::Db;
use lab_storage::{jobs, workers};
use lab_types::LabError;
use tokio::sync::watch;

use super::task::error_text;

/// How often expired leases and abandoned jobs are looked for.
const EVERY: Duration = Duration::from_secs(2);
/// Finished jobs are kept this long (their runs stay in `runs`): a progress
/// stream that reconnects meanwhile still finds the outcome.
const KEEP_FINISHED: Duration = Duration::from_secs(15 * 60);
/// Workers not seen for this long are forgotten.
const FORGET_WORKERS: Duration = Duration::from_secs(24 * 3600);
/// The advisory lock key of the reaper on PostgreSQL.
const REAPER_LOCK: i64 = 0x1ab_0020;

/// Runs a pass every `EVERY` until `stopping`; jobs waiting longer than
/// `queue_wait` fail with `LabError::QueueTimeout`.
pub(crate) fn spawn(db: Db, queue_wait: Duration, mut stopping: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(EVERY) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
            let pass = db.exclusive(REAPER_LOCK, pass(&db, queue_wait)).await;
            match pass {
                Ok(Some(Err(e))) | Err(e) => tracing::warn!(error = %e, "the reaper's pass failed"),
                _ => {}
            }
        }
    });
}

async fn pass(db: &Db, queue_wait: Duration) -> Result<(), sqlx::Error> {
    let now = db.clock_ms().await?;
    let reaped = jobs::reap(db, now).await?;
    let late = LabError::QueueTimeout {
        waited_s: queue_wait.as_secs(),
    };
    let expired =
        jobs::expire_waiting(db, now, queue_wait.as_millis() as i64, &error_text(&late)).await?;
    if expired > 0 {
        tracing::warn!(expired, "jobs waited past the queue's deadline");
        jobs::notify(db, jobs::CHANGED, "").await?;
    }
    if reaped != jobs::Reaped::default() {
        tracing::info!(?reaped, "reaper: lost and abandoned jobs dealt with");
        jobs::notify(db, jobs::CHANGED, "").await?;
        // Re-queued jobs wake idle workers; running jobs nobody follows
        // were asked to stop, which their workers' heartbeats read.
        jobs::notify(db, jobs::QUEUED, "").await?;
    }
    jobs::prune(db, now, KEEP_FINISHED.as_millis() as i64).await?;
    workers::forget_silent(db, now, FORGET_WORKERS.as_millis() as i64).await?;
    Ok(())
}
