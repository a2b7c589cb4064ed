//! Row quotas of the tables anonymous requests can grow, with oldest-first
//! eviction: every few seconds each table's newest rowid is read (one index
//! step), and rows more than its quota older than that are deleted, in
//! batches. SQLite hands out rowids in increasing order, so "more than the
//! quota older" needs no `COUNT(*)`: a table keeps at most its quota of rows,
//! and a flood evicts the flood's own oldest rows first, then the oldest of
//! everyone else's. Per-client rate limits keep a flood from reaching the
//! quotas quickly; the quotas bound the disk whatever the rates.

use sqlx::SqlitePool;

use crate::batch::{delete_until_done, Arg};
use crate::write_bounds::Quotas;

/// Learners deleted per statement: each takes its rows in other tables along.
const LEARNER_BATCH: i64 = 250;

/// Rows evicted per table in one pass.
pub(crate) type Evicted = Vec<(&'static str, u64)>;

/// One pass over every table: answers the tables that lost rows.
pub(crate) async fn enforce(pool: &SqlitePool, quotas: &Quotas) -> Result<Evicted, sqlx::Error> {
    let mut evicted = Vec::new();
    for (table, quota) in quotas.tables() {
        let n = enforce_one(pool, table, quota).await?;
        if n > 0 {
            evicted.push((table, n));
        }
    }
    Ok(evicted)
}

/// Keeps the newest `quota` rowids of `table`.
pub(crate) async fn enforce_one(
    pool: &SqlitePool,
    table: &'static str,
    quota: i64,
) -> Result<u64, sqlx::Error> {
    let newest: Option<i64> = sqlx::query_scalar(&format!("SELECT max(rowid) FROM {table}"))
        .fetch_one(pool)
        .await?;
    let Some(cut) = newest.map(|n| n - quota.max(1)) else {
        return Ok(0);
    };
    if cut <= 0 {
        return Ok(0);
    }
    let batch = if table == "learners" {
        LEARNER_BATCH
    } else {
        crate::batch::BATCH
    };
    delete_until_done(
        pool,
        &format!(
            "DELETE FROM {table} WHERE rowid IN \
             (SELECT rowid FROM {table} WHERE rowid <= ? ORDER BY rowid LIMIT ?)"
        ),
        &[Arg::Int(cut)],
        batch,
    )
    .await
}

/// Review cards (a `WITHOUT ROWID` table, so no rowid to cut at): counted,
/// and past the quota the cards of the oldest learners go (they are the
/// next learners the learners' quota would evict anyway). Their answers
/// stay; only when those questions come back for review is forgotten.
pub(crate) async fn enforce_cards(pool: &SqlitePool, quota: i64) -> Result<u64, sqlx::Error> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM review_cards")
        .fetch_one(pool)
        .await?;
    if count <= quota.max(1) {
        return Ok(0);
    }
    let cut: Option<i64> = sqlx::query_scalar(
        "SELECT learner_id FROM review_cards ORDER BY learner_id LIMIT 1 OFFSET ?",
    )
    .bind(count - quota.max(1))
    .fetch_optional(pool)
    .await?;
    let Some(cut) = cut else {
        return Ok(0);
    };
    delete_until_done(
        pool,
        "DELETE FROM review_cards WHERE (learner_id, question_id) IN \
         (SELECT learner_id, question_id FROM review_cards WHERE learner_id < ? \
          ORDER BY learner_id LIMIT ?)",
        &[Arg::Int(cut)],
        crate::batch::BATCH,
    )
    .await
}

/// Checks of the rowid quotas per count of the review cards (a scan).
const COUNT_EVERY: u64 = 60;

/// Enforces the quotas every `quotas.every`, for as long as the server runs.
pub(crate) fn spawn(pool: SqlitePool, quotas: Quotas) {
    tokio::spawn(async move {
        let mut every =
            tokio::time::interval(quotas.every.max(std::time::Duration::from_millis(100)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for pass in 0u64.. {
            every.tick().await;
            let mut result = enforce(&pool, &quotas).await;
            if pass % COUNT_EVERY == 0 {
                result = match (result, enforce_cards(&pool, quotas.review_cards).await) {
                    (Ok(mut evicted), Ok(n)) if n > 0 => {
                        evicted.push(("review_cards", n));
                        Ok(evicted)
                    }
                    (r, Ok(_)) => r,
                    (_, Err(e)) => Err(e),
                };
            }
            match result {
                Ok(evicted) if !evicted.is_empty() => {
                    tracing::warn!(?evicted, "row quotas: the oldest rows were deleted")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "row quota pass failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) async fn pool() -> (SqlitePool, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::connect(&dir.path().join("q.db")).await.unwrap();
        (pool, dir)
    }

    async fn count(pool: &SqlitePool, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_table_keeps_its_newest_rows_and_learners_take_theirs_along() {
        let (pool, _dir) = pool().await;
        for i in 0..2_500 {
            sqlx::query("INSERT INTO learners (token_hash) VALUES (?)")
                .bind(format!("t{i}").into_bytes())
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::query(
            "INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, first_try)
             SELECT id, 'l', 'q', '1', 1, 1 FROM learners",
        )
        .execute(&pool)
        .await
        .unwrap();
        let quotas = Quotas {
            learners: 1_000,
            ..Quotas::default()
        };
        let evicted = enforce(&pool, &quotas).await.unwrap();
        assert_eq!(evicted, vec![("learners", 1_500)]);
        assert_eq!(count(&pool, "learners").await, 1_000);
        assert_eq!(count(&pool, "attempts").await, 1_000, "cascaded");
        let oldest: i64 = sqlx::query_scalar("SELECT min(id) FROM learners")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(oldest, 1_501, "the oldest went first");
        assert!(enforce(&pool, &quotas).await.unwrap().is_empty(), "done");
    }

    #[tokio::test]
    async fn review_cards_past_their_quota_lose_the_oldest_learners_cards() {
        let (pool, _dir) = pool().await;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
             INSERT INTO learners (token_hash) SELECT CAST(i AS BLOB) FROM n",
        )
        .execute(&pool)
        .await
        .unwrap();
        // Ten cards per learner: 3,000.
        sqlx::query(
            "WITH RECURSIVE q(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM q WHERE j < 10)
             INSERT INTO review_cards (learner_id, question_id, due, card, session_rating)
             SELECT id, 'q' || j, '2030-01-01', '{}', 3 FROM learners, q",
        )
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(enforce_cards(&pool, 2_000).await.unwrap(), 1_000);
        assert_eq!(count(&pool, "review_cards").await, 2_000);
        let oldest: i64 = sqlx::query_scalar("SELECT min(learner_id) FROM review_cards")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(oldest, 101, "the oldest learners' cards went");
        assert_eq!(enforce_cards(&pool, 2_000).await.unwrap(), 0);
    }
}
