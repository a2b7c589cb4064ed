//! Keeps the database bounded in time (`lab_storage::retention`: old runs
//! and puzzle submissions, inactive learners, idle classes): a pass at
//! start-up and then every hour, with the retention periods of the settings.

use std::time::Duration;

use lab_storage::batch::BATCH;
use lab_storage::db::Db;
use lab_storage::retention::{prune, Pruned, Retention};

use crate::settings::LabSettings;
use crate::write_bounds::WriteBounds;

/// The advisory lock key of the retention passes (any number the app uses
/// for nothing else).
const UPKEEP_LOCK: i64 = 0x1ab_0001;

/// How often the pruning runs after start-up.
const EVERY: Duration = Duration::from_secs(60 * 60);

/// The retention periods the settings give (at least a day each).
pub(crate) fn retention(lab: &LabSettings, bounds: &WriteBounds) -> Retention {
    Retention {
        run_days: lab.run_retention_days.max(1),
        learner_days: lab.learner_retention_days.max(1),
        class_days: bounds.class_retention_days.max(1),
        batch: BATCH,
    }
}

/// Prunes now and then every hour, for as long as the server runs. A pass
/// takes as long as its backlog needs: every statement in it is short.
pub(crate) fn spawn(db: Db, retention: Retention) {
    tokio::spawn(async move {
        loop {
            let started = std::time::Instant::now();
            // One instance at a time when several share a PostgreSQL database.
            match db.exclusive(UPKEEP_LOCK, prune(&db, retention)).await {
                Ok(None) => {}
                Ok(Some(Err(e))) | Err(e) => tracing::warn!(error = %e, "retention pass failed"),
                Ok(Some(Ok(p))) if p != Pruned::default() => {
                    tracing::info!(
                        runs = p.runs,
                        learners = p.learners,
                        submissions = p.submissions,
                        classes = p.classes,
                        seconds = started.elapsed().as_secs_f64(),
                        "retention: deleted"
                    )
                }
                Ok(Some(Ok(_))) => {}
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
