//! Classes end (server only): a class nobody used for the retention period
//! is deleted, and an operator can list, prune and delete classes from the
//! command line. "Used" means created, joined, left, locked, unlocked or a
//! member removed (`classes.last_active_at`), or a member answering a
//! question since, so a class in use is never pruned just because its
//! teacher set it up long ago.

use sqlx::FromRow;

use crate::db::{days_ago_text, Db};
use crate::on_db;

/// A class as the operator's `classes list` shows it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ClassSummary {
    pub id: i64,
    pub name: String,
    pub members: i64,
    pub created_at: String,
    pub last_active_at: String,
    pub locked: bool,
}

/// Every class, the longest idle first.
pub async fn list(db: &Db) -> Result<Vec<ClassSummary>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT c.id, c.name, c.created_at, c.locked,
                    COALESCE(c.last_active_at, c.created_at) AS last_active_at,
                    (SELECT COUNT(*) FROM class_members m WHERE m.class_id = c.id) AS members
             FROM classes c ORDER BY last_active_at, c.id",
        )
        .fetch_all(pool)
        .await
    })
}

/// Deletes the classes idle for `days` days (their memberships go with them,
/// the learners' progress stays), at most `batch` per statement so that no
/// single statement holds the write lock for long. Answers how many went.
pub async fn prune_inactive(db: &Db, days: u32, batch: u32) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        let cutoff = days_ago_text(days.max(1));
        let mut total = 0;
        loop {
            let deleted = sqlx::query(
                "DELETE FROM classes WHERE id IN (
                     SELECT c.id FROM classes c
                     WHERE COALESCE(c.last_active_at, c.created_at)
                           < $1
                       AND NOT EXISTS (
                           SELECT 1 FROM class_members m JOIN attempts a ON a.learner_id = m.learner_id
                           WHERE m.class_id = c.id
                             AND a.created_at >= $1)
                     LIMIT $2)",
            )
            .bind(&cutoff)
            .bind(i64::from(batch.max(1)))
            .execute(pool)
            .await?
            .rows_affected();
            total += deleted;
            if deleted < u64::from(batch.max(1)) {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::{create_class, join};
    use crate::on_db;
    use crate::test_db::{each_backend, new_learner};

    async fn age(pool: &Db, class_id: i64, days: u32) {
        on_db!(pool, p => sqlx::query(
            "UPDATE classes SET created_at = $1, last_active_at = $1 WHERE id = $2",
        )
        .bind(days_ago_text(days))
        .bind(class_id)
        .execute(p)
        .await.map(|_| ()))
        .unwrap();
    }

    #[tokio::test]
    async fn idle_classes_go_and_classes_in_use_stay() {
        each_backend(|pool| async move {
            let idle = create_class(&pool, "Idle").await.unwrap();
            create_class(&pool, "Fresh").await.unwrap();
            let answering = create_class(&pool, "Answering").await.unwrap();
            let ana = new_learner(&pool).await;
            join(&pool, answering.id, ana, "Ana").await.unwrap();
            age(&pool, idle.id, 200).await;
            age(&pool, answering.id, 200).await;
            // Set up long ago, but a member answered today: in use.
            on_db!(&pool, p => sqlx::query(
                "INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, first_try)
                 VALUES ($1, 'l', 'q', '1', TRUE, TRUE)",
            )
            .bind(ana)
            .execute(p)
            .await.map(|_| ()))
            .unwrap();

            assert_eq!(prune_inactive(&pool, 180, 1).await.unwrap(), 1);
            let left: Vec<String> = list(&pool)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.name)
                .collect();
            assert_eq!(left, ["Answering", "Fresh"]);
        })
        .await;
    }

    #[tokio::test]
    async fn pruning_runs_in_batches_until_done() {
        each_backend(|pool| async move {
            for i in 0..7 {
                let c = create_class(&pool, &format!("C{i}")).await.unwrap();
                age(&pool, c.id, 400).await;
            }
            assert_eq!(prune_inactive(&pool, 180, 3).await.unwrap(), 7);
            assert!(list(&pool).await.unwrap().is_empty());
        })
        .await;
    }
}
