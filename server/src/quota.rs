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

/// Enforces the quotas every `quotas.every`, for as long as the server runs.
pub(crate) fn spawn(pool: SqlitePool, quotas: Quotas) {
    tokio::spawn(async move {
        let mut every =
            tokio::time::interval(quotas.every.max(std::time::Duration::from_millis(100)));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match enforce(&pool, &quotas).await {
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
}
