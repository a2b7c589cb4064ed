//! Keeps the database bounded in time: old runs and puzzle submissions,
//! inactive learners and idle classes are deleted at start-up and then every
//! hour. A learner's attempts go with them (foreign key cascade); their runs
//! stay until their own retention ends. (How many rows each table keeps at
//! most is `quota`'s job.)
//!
//! Every delete runs in batches of at most [`BATCH`] rows with a yield
//! between them (see `batch`): a pass works off any backlog, a flood's
//! included, without holding the write lock for long, instead of one large
//! `DELETE` that the class's requests wait behind.

use std::time::Duration;

use sqlx::SqlitePool;

use crate::batch::{delete_by_windows, delete_until_done, Arg, BATCH};
use crate::settings::LabSettings;
use crate::write_bounds::WriteBounds;

/// How often the pruning runs after start-up.
const EVERY: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy)]
pub(crate) struct Retention {
    pub run_days: u32,
    pub learner_days: u32,
    pub class_days: u32,
    /// Rows per statement (tests shrink it).
    pub batch: i64,
}

impl Retention {
    pub(crate) fn new(lab: &LabSettings, bounds: &WriteBounds) -> Self {
        Retention {
            run_days: lab.run_retention_days.max(1),
            learner_days: lab.learner_retention_days.max(1),
            class_days: bounds.class_retention_days.max(1),
            batch: BATCH,
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Pruned {
    pub runs: u64,
    pub learners: u64,
    pub submissions: u64,
    pub classes: u64,
}

fn cutoff(days: u32) -> Arg {
    Arg::Text(format!("-{days} days"))
}

/// One pass: runs and puzzle submissions older than `run_days`, learners
/// with no answer, run or submission in `learner_days` (their leaderboard
/// times go with them) and no class of their own still on their `/teach`
/// list (a teacher's browser keeps its classes while they last), classes
/// idle for `class_days`.
pub(crate) async fn prune(pool: &SqlitePool, r: Retention) -> Result<Pruned, sqlx::Error> {
    // By their `created_at` indexes: each statement finds its rows at once.
    let runs = delete_until_done(
        pool,
        "DELETE FROM runs WHERE rowid IN (SELECT rowid FROM runs \
         WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?) LIMIT ?)",
        &[cutoff(r.run_days)],
        r.batch,
    )
    .await?;
    let submissions = delete_until_done(
        pool,
        "DELETE FROM puzzle_submissions WHERE id IN (SELECT id FROM puzzle_submissions \
         WHERE created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?) LIMIT ?)",
        &[cutoff(r.run_days)],
        r.batch,
    )
    .await?;
    // Whether a learner is inactive takes a look at their rows: one window
    // of learner ids per statement, so no statement looks at them all.
    let learners = delete_by_windows(
        pool,
        "learners",
        "id",
        "DELETE FROM learners WHERE id > ?1 AND id <= ?2 \
         AND created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3) \
         AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.learner_id = learners.id \
                         AND a.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3)) \
         AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.learner_id = learners.id \
                         AND r.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3)) \
         AND NOT EXISTS (SELECT 1 FROM puzzle_submissions s WHERE s.learner_id = learners.id \
                         AND s.created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?3)) \
         AND NOT EXISTS (SELECT 1 FROM class_teachers t WHERE t.learner_id = learners.id)",
        &[cutoff(r.learner_days)],
        r.batch,
    )
    .await?;
    let batch = u32::try_from(r.batch).unwrap_or(u32::MAX);
    let classes =
        lab_storage::classes::expiry::prune_inactive(&pool.clone().into(), r.class_days, batch)
            .await?;
    Ok(Pruned {
        runs,
        learners,
        submissions,
        classes,
    })
}

/// Prunes now and then every hour, for as long as the server runs. A pass
/// takes as long as its backlog needs: every statement in it is short.
pub(crate) fn spawn(pool: SqlitePool, retention: Retention) {
    tokio::spawn(async move {
        loop {
            let started = std::time::Instant::now();
            match prune(&pool, retention).await {
                Ok(p) if p != Pruned::default() => {
                    tracing::info!(
                        runs = p.runs,
                        learners = p.learners,
                        submissions = p.submissions,
                        classes = p.classes,
                        seconds = started.elapsed().as_secs_f64(),
                        "retention: deleted"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention pass failed"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn count(pool: &SqlitePool, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_backlog_is_worked_off_in_short_batches() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::connect(&dir.path().join("r.db")).await.unwrap();
        // 5,000 learners a year old with a year-old answer each, 10 active
        // ones, 3,000 year-old runs and 2 new ones: a flood long ago.
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5010)
             INSERT INTO learners (token_hash, created_at)
             SELECT CAST(i AS BLOB), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-365 days') FROM n",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, first_try, created_at)
             SELECT id, 'l', 'q', '1', 1, 1,
                    CASE WHEN id > 5000 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                         ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-365 days') END
             FROM learners",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3002)
             INSERT INTO runs (id, kind, adapter, result, title, created_at)
             SELECT 'r' || i, 'run', 'CPU only', '{}', 'run',
                    CASE WHEN i > 3000 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                         ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-365 days') END
             FROM n",
        )
        .execute(&pool)
        .await
        .unwrap();
        let r = Retention {
            run_days: 30,
            learner_days: 180,
            class_days: 180,
            batch: 400,
        };
        let pruned = prune(&pool, r).await.unwrap();
        assert_eq!(pruned.learners, 5_000);
        assert_eq!(pruned.runs, 3_000);
        assert_eq!(count(&pool, "learners").await, 10);
        assert_eq!(count(&pool, "attempts").await, 10);
        assert_eq!(count(&pool, "runs").await, 2);
        assert_eq!(prune(&pool, r).await.unwrap(), Pruned::default());
    }

    #[tokio::test]
    async fn a_teachers_learner_stays_while_their_class_does() {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::connect(&dir.path().join("t.db")).await.unwrap();
        sqlx::query(
            "INSERT INTO learners (id, token_hash, created_at)
             VALUES (1, x'01', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-365 days')),
                    (2, x'02', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-365 days'))",
        )
        .execute(&pool)
        .await
        .unwrap();
        let db = lab_storage::db::Db::from(pool.clone());
        let class = lab_storage::classes::create_class(&db, "Period 3")
            .await
            .unwrap();
        let key = lab_storage::secret::ServerSecret::from_bytes([3; 32]);
        lab_storage::classes::teachers::remember(&db, &key, class.id, 1, &class.teacher_secret)
            .await
            .unwrap();
        let r = Retention {
            run_days: 30,
            learner_days: 180,
            class_days: 180,
            batch: 400,
        };
        assert_eq!(
            prune(&pool, r).await.unwrap().learners,
            1,
            "only the idle learner"
        );
        let listed = lab_storage::classes::teachers::taught_classes(&db, &key, 1)
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "the teacher still finds the class");
        lab_storage::classes::delete_class(&db, class.id)
            .await
            .unwrap();
        assert_eq!(
            prune(&pool, r).await.unwrap().learners,
            1,
            "then they go too"
        );
    }
}
