//! Row quotas of the tables anonymous requests can grow, with oldest-first
//! eviction: each table's newest row key is read (one index step), and rows
//! more than its quota older than that are deleted, in batches. Keys grow
//! with every insert, so "more than the quota older" needs no `COUNT(*)`: a
//! table keeps at most its quota of rows, and a flood evicts the flood's own
//! oldest rows first, then the oldest of everyone else's. Per-client rate
//! limits keep a flood from reaching the quotas quickly; the quotas bound the
//! disk whatever the rates. (The server runs these passes; see its `quota`.)

use crate::batch::{delete_until_done, Arg, BATCH};
use crate::db::Db;
use crate::on_db;

/// Learners deleted per statement: each takes its rows in other tables along.
const LEARNER_BATCH: i64 = 250;

/// Tables whose integer primary key `id` grows with every insert (on SQLite
/// it is the rowid itself).
const ID_TABLES: [&str; 4] = ["learners", "attempts", "predictions", "puzzle_submissions"];

/// Tables without an integer key: SQLite's rowid orders them; PostgreSQL has
/// no rowid, so its baseline gives each an identity column `seq`.
pub const SEQ_TABLES: [&str; 5] = [
    "runs",
    "demo_runs",
    "learner_devices",
    "transfer_codes",
    "class_members",
];

/// Rows evicted per table in one pass.
pub type Evicted = Vec<(&'static str, u64)>;

/// The column that orders `table`'s rows by insertion on this engine; `None`
/// for a table the quotas do not know (never interpolated into SQL).
fn insertion_key(db: &Db, table: &str) -> Option<&'static str> {
    if ID_TABLES.contains(&table) {
        Some("id")
    } else if SEQ_TABLES.contains(&table) {
        Some(match db {
            Db::Sqlite(_) => "rowid",
            Db::Postgres(_) => "seq",
        })
    } else {
        None
    }
}

/// One pass over `tables` (each with its quota, learners first: deleting one
/// deletes its rows in the others): answers the tables that lost rows.
pub async fn enforce(db: &Db, tables: &[(&'static str, i64)]) -> Result<Evicted, sqlx::Error> {
    let mut evicted = Vec::new();
    for &(table, quota) in tables {
        let n = enforce_one(db, table, quota).await?;
        if n > 0 {
            evicted.push((table, n));
        }
    }
    Ok(evicted)
}

/// Keeps the newest `quota` rows of `table`.
pub async fn enforce_one(db: &Db, table: &'static str, quota: i64) -> Result<u64, sqlx::Error> {
    let Some(key) = insertion_key(db, table) else {
        return Ok(0);
    };
    let newest_sql = format!("SELECT max({key}) FROM {table}");
    let newest: Option<i64> =
        on_db!(db, pool => sqlx::query_scalar(&newest_sql).fetch_one(pool).await?);
    let Some(cut) = newest.map(|n| n - quota.max(1)) else {
        return Ok(0);
    };
    if cut <= 0 {
        return Ok(0);
    }
    let batch = if table == "learners" {
        LEARNER_BATCH
    } else {
        BATCH
    };
    delete_until_done(
        db,
        &format!(
            "DELETE FROM {table} WHERE {key} IN \
             (SELECT {key} FROM {table} WHERE {key} <= $1 ORDER BY {key} LIMIT $2)"
        ),
        &[Arg::Int(cut)],
        batch,
    )
    .await
}

/// Review cards (no key that grows with inserts): counted, and past the
/// quota the cards of the oldest learners go (they are the next learners
/// the learners' quota would evict anyway). Their answers stay; only when
/// those questions come back for review is forgotten.
pub async fn enforce_cards(db: &Db, quota: i64) -> Result<u64, sqlx::Error> {
    let count: i64 = on_db!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM review_cards")
            .fetch_one(pool)
            .await?
    });
    if count <= quota.max(1) {
        return Ok(0);
    }
    let cut: Option<i64> = on_db!(db, pool => {
        sqlx::query_scalar(
            "SELECT learner_id FROM review_cards ORDER BY learner_id LIMIT 1 OFFSET $1",
        )
        .bind(count - quota.max(1))
        .fetch_optional(pool)
        .await?
    });
    let Some(cut) = cut else {
        return Ok(0);
    };
    delete_until_done(
        db,
        "DELETE FROM review_cards WHERE (learner_id, question_id) IN \
         (SELECT learner_id, question_id FROM review_cards WHERE learner_id < $1 \
          ORDER BY learner_id LIMIT $2)",
        &[Arg::Int(cut)],
        BATCH,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::each_backend;

    async fn count(db: &Db, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        on_db!(db, p => sqlx::query_scalar(&sql).fetch_one(p).await).unwrap()
    }

    async fn run(db: &Db, sql: &str) {
        on_db!(db, p => sqlx::query(sql).execute(p).await.map(|_| ())).unwrap()
    }

    #[tokio::test]
    async fn a_table_keeps_its_newest_rows_and_learners_take_theirs_along() {
        each_backend(|db| async move {
            run(
                &db,
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
                 INSERT INTO learners (token_hash) SELECT CAST('t' || i AS BLOB) FROM n"
                    .replace("BLOB", crate::test_db::bytes_type(&db))
                    .as_str(),
            )
            .await;
            run(
                &db,
                "INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, first_try)
                 SELECT id, 'l', 'q', '1', TRUE, TRUE FROM learners",
            )
            .await;
            let tables = [("learners", 1_000), ("attempts", 500_000)];
            let evicted = enforce(&db, &tables).await.unwrap();
            assert_eq!(evicted, vec![("learners", 1_500)]);
            assert_eq!(count(&db, "learners").await, 1_000);
            assert_eq!(count(&db, "attempts").await, 1_000, "cascaded");
            let oldest: i64 = on_db!(&db, p => sqlx::query_scalar("SELECT min(id) FROM learners")
                .fetch_one(p)
                .await)
            .unwrap();
            assert_eq!(oldest, 1_501, "the oldest went first");
            assert!(enforce(&db, &tables).await.unwrap().is_empty(), "done");
        })
        .await;
    }

    #[tokio::test]
    async fn a_table_without_an_integer_key_keeps_its_newest_rows() {
        each_backend(|db| async move {
            run(
                &db,
                "INSERT INTO runs (id, kind, adapter, result)
                 SELECT 'r' || i, 'run', 'CPU only', '{}' FROM
                 (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
                  SELECT i FROM n) AS numbers",
            )
            .await;
            assert_eq!(enforce_one(&db, "runs", 100).await.unwrap(), 200);
            assert_eq!(count(&db, "runs").await, 100);
            let left: Vec<String> = on_db!(&db, p => sqlx::query_scalar(
                "SELECT id FROM runs WHERE id IN ('r200', 'r201', 'r300')"
            )
            .fetch_all(p)
            .await)
            .unwrap();
            assert_eq!(left.len(), 2, "the newest stay, r200 went: {left:?}");
        })
        .await;
    }

    #[tokio::test]
    async fn review_cards_past_their_quota_lose_the_oldest_learners_cards() {
        each_backend(|db| async move {
            run(
                &db,
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
                 INSERT INTO learners (token_hash) SELECT CAST('t' || i AS BLOB) FROM n"
                    .replace("BLOB", crate::test_db::bytes_type(&db))
                    .as_str(),
            )
            .await;
            // Ten cards per learner: 3,000.
            run(
                &db,
                "WITH RECURSIVE q(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM q WHERE j < 10)
                 INSERT INTO review_cards (learner_id, question_id, due, card, session_rating)
                 SELECT id, 'q' || j, '2030-01-01', '{}', 3 FROM learners, q",
            )
            .await;
            assert_eq!(enforce_cards(&db, 2_000).await.unwrap(), 1_000);
            assert_eq!(count(&db, "review_cards").await, 2_000);
            let oldest: i64 = on_db!(&db, p => sqlx::query_scalar(
                "SELECT min(learner_id) FROM review_cards"
            )
            .fetch_one(p)
            .await)
            .unwrap();
            assert_eq!(oldest, 101, "the oldest learners' cards went");
            assert_eq!(enforce_cards(&db, 2_000).await.unwrap(), 0);
        })
        .await;
    }
}
