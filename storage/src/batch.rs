//! Deleting many rows without holding the database: every statement deletes
//! at most [`BATCH`] rows and the task yields between statements, so the
//! class's own writes get the write lock in between and a large backlog
//! (after a flood, after a long downtime) is worked off, not abandoned.

use crate::db::Db;
use crate::on_db;

/// Rows one statement deletes at most.
pub const BATCH: i64 = 1_000;

/// A value bound to a statement.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
}

/// Runs `sql`, a `DELETE` whose last parameter is the batch size (its
/// `LIMIT`), until a statement deletes fewer rows than that. Answers how
/// many rows went in all.
pub async fn delete_until_done(
    db: &Db,
    sql: &str,
    args: &[Arg],
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let batch = batch.max(1);
    let mut total = 0;
    loop {
        let deleted = on_db!(db, pool => {
            let mut query = sqlx::query(sql);
            for arg in args {
                query = match arg {
                    Arg::Int(i) => query.bind(*i),
                    Arg::Text(t) => query.bind(t.as_str()),
                };
            }
            query.bind(batch).execute(pool).await?.rows_affected()
        });
        total += deleted;
        if deleted < batch as u64 {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// Runs `sql`, a `DELETE` with two leading parameters `lo` and `hi` that
/// restrict it to keys in `(lo, hi]`, over every window of `batch` keys of
/// `key` in `table` (for deletes whose condition an index cannot find: each
/// statement looks at one window of the primary key only).
pub async fn delete_by_windows(
    db: &Db,
    table: &str,
    key: &str,
    sql: &str,
    args: &[Arg],
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let batch = batch.max(1);
    let bounds = format!("SELECT min({key}), max({key}) FROM {table}");
    let (min, max): (Option<i64>, Option<i64>) =
        on_db!(db, pool => sqlx::query_as(&bounds).fetch_one(pool).await?);
    let (Some(min), Some(max)) = (min, max) else {
        return Ok(0);
    };
    let mut total = 0;
    let mut lo = min - 1;
    while lo < max {
        let hi = lo.saturating_add(batch);
        total += on_db!(db, pool => {
            let mut query = sqlx::query(sql).bind(lo).bind(hi);
            for arg in args {
                query = match arg {
                    Arg::Int(i) => query.bind(*i),
                    Arg::Text(t) => query.bind(t.as_str()),
                };
            }
            query.execute(pool).await?.rows_affected()
        });
        lo = hi;
        tokio::task::yield_now().await;
    }
    Ok(total)
}
