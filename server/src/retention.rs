//! Keeps the database bounded: old runs and inactive learners are deleted at
//! start-up and then every hour. A learner's attempts go with them (foreign
//! key cascade); their runs stay until their own retention ends.

use std::time::Duration;

use sqlx::SqlitePool;

use crate::settings::LabSettings;

/// How often the pruning runs after start-up.
const EVERY: Duration = Duration::from_secs(60 * 60);
/// A pruning pass that takes longer than this is abandoned until the next one.
const PASS_LIMIT: Duration = Duration::from_secs(60);
/// Runs kept at most, whatever their age (the newest).
const MAX_RUNS: i64 = 100_000;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Retention {
    pub run_days: u32,
    pub learner_days: u32,
}

impl From<&LabSettings> for Retention {
    fn from(s: &LabSettings) -> Self {
        Retention {
            run_days: s.run_retention_days.max(1),
            learner_days: s.learner_retention_days.max(1),
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Pruned {
    pub runs: u64,
    pub learners: u64,
    pub submissions: u64,
}

/// One pass: runs and puzzle submissions older than `run_days` (and runs
/// beyond the newest `MAX_RUNS`), learners with no answer, run or submission
/// in `learner_days` (their leaderboard times go with them).
pub(crate) async fn prune(pool: &SqlitePool, r: Retention) -> Result<Pruned, sqlx::Error> {
    let cutoff = |days: u32| format!("-{days} days");
    let mut runs =
        sqlx::query("DELETE FROM runs WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)")
            .bind(cutoff(r.run_days))
            .execute(pool)
            .await?
            .rows_affected();
    runs += sqlx::query(
        "DELETE FROM runs WHERE rowid NOT IN \
         (SELECT rowid FROM runs ORDER BY created_at DESC LIMIT ?)",
    )
    .bind(MAX_RUNS)
    .execute(pool)
    .await?
    .rows_affected();
    let learners = sqlx::query(
        "DELETE FROM learners WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1) \
         AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.learner_id = learners.id \
                         AND a.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)) \
         AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.learner_id = learners.id \
                         AND r.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)) \
         AND NOT EXISTS (SELECT 1 FROM puzzle_submissions s WHERE s.learner_id = learners.id \
                         AND s.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1))",
    )
    .bind(cutoff(r.learner_days))
    .execute(pool)
    .await?
    .rows_affected();
    let submissions = sqlx::query(
        "DELETE FROM puzzle_submissions WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)",
    )
    .bind(cutoff(r.run_days))
    .execute(pool)
    .await?
    .rows_affected();
    Ok(Pruned {
        runs,
        learners,
        submissions,
    })
}

/// Prunes now and then every hour, for as long as the server runs.
pub(crate) fn spawn(pool: SqlitePool, retention: Retention) {
    tokio::spawn(async move {
        loop {
            match tokio::time::timeout(PASS_LIMIT, prune(&pool, retention)).await {
                Ok(Ok(p)) if p != Pruned::default() => {
                    tracing::info!(
                        runs = p.runs,
                        learners = p.learners,
                        submissions = p.submissions,
                        "retention: deleted"
                    )
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "retention pass failed"),
                Err(_) => tracing::warn!("retention pass took too long; retried in an hour"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
