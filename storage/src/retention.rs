//! Keeps the database bounded in time: old runs and puzzle submissions,
//! inactive learners and idle classes are deleted at start-up and then every
//! hour. A learner's attempts go with them (foreign key cascade); their runs
//! stay until their own retention ends. (How many rows each table keeps at
//! most is `quota`'s job.)
//!
//! Every delete runs in batches of at most [`crate::batch::BATCH`] rows with a yield
//! between them (see [`crate::batch`]): a pass works off any backlog, a flood's
//! included, without holding the write lock for long, instead of one large
//! `DELETE` that the class's requests wait behind.

use crate::batch::{delete_by_windows, delete_until_done, Arg};
use crate::db::{days_ago_text, Db};

#[derive(Debug, Clone, Copy)]
pub struct Retention {
    pub run_days: u32,
    pub learner_days: u32,
    pub class_days: u32,
    /// Rows per statement (tests shrink it).
    pub batch: i64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub runs: u64,
    pub learners: u64,
    pub submissions: u64,
    pub classes: u64,
}

fn cutoff(days: u32) -> Arg {
    Arg::Text(days_ago_text(days))
}

/// One pass: runs and puzzle submissions older than `run_days`, learners
/// with no answer, run or submission in `learner_days` (their leaderboard
/// times go with them) and no class of their own still on their `/teach`
/// list (a teacher's browser keeps its classes while they last), classes
/// idle for `class_days`.
pub async fn prune(db: &Db, r: Retention) -> Result<Pruned, sqlx::Error> {
    // By their `created_at` indexes: each statement finds its rows at once.
    let runs = delete_until_done(
        db,
        "DELETE FROM runs WHERE id IN (SELECT id FROM runs \
         WHERE created_at < $1 LIMIT $2)",
        &[cutoff(r.run_days)],
        r.batch,
    )
    .await?;
    let submissions = delete_until_done(
        db,
        "DELETE FROM puzzle_submissions WHERE id IN (SELECT id FROM puzzle_submissions \
         WHERE created_at < $1 LIMIT $2)",
        &[cutoff(r.run_days)],
        r.batch,
    )
    .await?;
    // Whether a learner is inactive takes a look at their rows: one window
    // of learner ids per statement, so no statement looks at them all.
    let learners = delete_by_windows(
        db,
        "learners",
        "id",
        "DELETE FROM learners WHERE id > $1 AND id <= $2 \
         AND created_at < $3 \
         AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.learner_id = learners.id \
                         AND a.created_at >= $3) \
         AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.learner_id = learners.id \
                         AND r.created_at >= $3) \
         AND NOT EXISTS (SELECT 1 FROM puzzle_submissions s WHERE s.learner_id = learners.id \
                         AND s.created_at >= $3) \
         AND NOT EXISTS (SELECT 1 FROM class_teachers t WHERE t.learner_id = learners.id)",
        &[cutoff(r.learner_days)],
        r.batch,
    )
    .await?;
    let batch = u32::try_from(r.batch).unwrap_or(u32::MAX);
    let classes = crate::classes::expiry::prune_inactive(db, r.class_days, batch).await?;
    Ok(Pruned {
        runs,
        learners,
        submissions,
        classes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::now_text;
    use crate::on_db;
    use crate::test_db::{bytes_type, each_backend};

    async fn count(db: &Db, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        on_db!(db, p => sqlx::query_scalar(&sql).fetch_one(p).await).unwrap()
    }

    /// Runs `sql` with `times` bound to `$1`, `$2`, ...
    async fn run(db: &Db, sql: &str, times: &[String]) {
        let sql = sql.replace("BLOB", bytes_type(db));
        on_db!(db, p => {
            let mut query = sqlx::query(&sql);
            for t in times {
                query = query.bind(t);
            }
            query.execute(p).await.map(|_| ())
        })
        .unwrap()
    }

    const RETENTION: Retention = Retention {
        run_days: 30,
        learner_days: 180,
        class_days: 180,
        batch: 400,
    };

    #[tokio::test]
    async fn a_backlog_is_worked_off_in_short_batches() {
        each_backend(|db| async move {
            // 5,000 learners a year old with a year-old answer each, 10 active
            // ones, 3,000 year-old runs and 2 new ones: a flood long ago.
            let (year_ago, now) = (days_ago_text(365), now_text());
            run(
                &db,
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5010)
                 INSERT INTO learners (token_hash, created_at)
                 SELECT CAST('t' || i AS BLOB), $1 FROM n",
                std::slice::from_ref(&year_ago),
            )
            .await;
            run(
                &db,
                "INSERT INTO attempts
                     (learner_id, lesson_slug, question_id, answer, correct, first_try, created_at)
                 SELECT id, 'l', 'q', '1', TRUE, TRUE, CASE WHEN id > 5000 THEN $2 ELSE $1 END
                 FROM learners",
                &[year_ago.clone(), now.clone()],
            )
            .await;
            run(
                &db,
                "INSERT INTO runs (id, kind, adapter, result, title, created_at)
                 SELECT 'r' || i, 'run', 'CPU only', '{}', 'run', CASE WHEN i > 3000 THEN $2 ELSE $1 END
                 FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3002)
                       SELECT i FROM n) AS numbers",
                &[year_ago, now],
            )
            .await;
            let pruned = prune(&db, RETENTION).await.unwrap();
            assert_eq!(pruned.learners, 5_000);
            assert_eq!(pruned.runs, 3_000);
            assert_eq!(count(&db, "learners").await, 10);
            assert_eq!(count(&db, "attempts").await, 10);
            assert_eq!(count(&db, "runs").await, 2);
            assert_eq!(prune(&db, RETENTION).await.unwrap(), Pruned::default());
        })
        .await;
    }

    #[tokio::test]
    async fn a_teachers_learner_stays_while_their_class_does() {
        each_backend(|db| async move {
            run(
                &db,
                "INSERT INTO learners (token_hash, created_at)
                 VALUES (CAST('a' AS BLOB), $1), (CAST('b' AS BLOB), $1), (CAST('c' AS BLOB), $2)",
                &[days_ago_text(365), now_text()],
            )
            .await;
            let teacher: i64 = on_db!(&db, p => sqlx::query_scalar("SELECT min(id) FROM learners")
                .fetch_one(p)
                .await)
            .unwrap();
            let class = crate::classes::create_class(&db, "Period 3").await.unwrap();
            let key = crate::secret::ServerSecret::from_bytes([3; 32]);
            crate::classes::teachers::remember(&db, &key, class.id, teacher, &class.teacher_secret)
                .await
                .unwrap();
            assert_eq!(
                prune(&db, RETENTION).await.unwrap().learners,
                1,
                "only the idle learner"
            );
            let listed = crate::classes::teachers::taught_classes(&db, &key, teacher)
                .await
                .unwrap();
            assert_eq!(listed.len(), 1, "the teacher still finds the class");
            crate::classes::delete_class(&db, class.id).await.unwrap();
            assert_eq!(
                prune(&db, RETENTION).await.unwrap().learners,
                1,
                "then they go too"
            );
        })
        .await;
    }
}
