//! The database the lab stores into: SQLite (one file, the zero-setup
//! default) or PostgreSQL (a URL, for several web instances on one database).
//!
//! Each storage function writes its SQL once, in the dialect both engines
//! share (`$1` placeholders, times bound from Rust, booleans compared as
//! booleans), and [`on_db!`] compiles it for each of sqlx's concrete drivers.
//! `sqlx::Any` is not used: it cannot decode SQLite's integer booleans and has
//! no PostgreSQL-only features such as row locks or advisory locks.

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// Runs `$body` with `$pool` bound to the engine's own pool: the same SQL
/// and binds, compiled once per driver. Exported for tests that arrange or
/// read rows themselves; the app's SQL lives in this crate.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// [`on_db!`] for a transaction: `$conn` is `&mut` the engine's connection.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub(crate) use on_tx;

/// A pool of either engine. Cloning it is cheap (a pool is an `Arc`).
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl From<SqlitePool> for Db {
    fn from(pool: SqlitePool) -> Self {
        Db::Sqlite(pool)
    }
}

impl From<PgPool> for Db {
    fn from(pool: PgPool) -> Self {
        Db::Postgres(pool)
    }
}

impl Db {
    /// Which engine: "sqlite" or "postgres" (logs, the health page).
    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A transaction that will write: on SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), so a concurrent writer waits for the busy
    /// timeout instead of failing when a deferred read turns into a write;
    /// PostgreSQL's row locks and constraints need no such start.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// What ends a `SELECT` that reads rows this transaction will change:
    /// ` FOR UPDATE` on PostgreSQL (the rows stay locked until the commit, so
    /// a concurrent writer waits for this one). Nothing on SQLite, which has
    /// no row locks and needs none: its write transaction excludes every
    /// other writer.
    pub fn for_update(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "",
            Db::Postgres(_) => " FOR UPDATE",
        }
    }

    /// Runs `work` unless another process sharing this database is running
    /// work under the same `key` (PostgreSQL's session advisory lock; several
    /// web instances then prune and evict once, not each). `None` when it was
    /// skipped. On SQLite, one file has one server: it always runs.
    pub async fn exclusive<T>(
        &self,
        key: i64,
        work: impl std::future::Future<Output = T>,
    ) -> Result<Option<T>, sqlx::Error> {
        let Db::Postgres(pool) = self else {
            return Ok(Some(work.await));
        };
        // A connection of its own, out of the pool: closing it ends the lock
        // whatever happens to `work`, and it never goes back still holding it.
        let mut conn = pool.acquire().await?.detach();
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(key)
            .fetch_one(&mut conn)
            .await?;
        let out = if locked { Some(work.await) } else { None };
        sqlx::Connection::close(conn).await?;
        Ok(out)
    }

    /// The database's clock in Unix milliseconds: the one clock every host
    /// sharing it agrees on, so that a lease written by a worker on one host
    /// and read by the reaper on another are compared without clock skew.
    /// (SQLite: this process's clock; its file has one host.)
    pub async fn clock_ms(&self) -> Result<i64, sqlx::Error> {
        match self {
            Db::Sqlite(_) => Ok(now_ms()),
            Db::Postgres(pool) => {
                sqlx::query_scalar("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
                    .fetch_one(pool)
                    .await
            }
        }
    }

    /// `true` when the database answers a trivial query.
    pub async fn is_healthy(&self) -> bool {
        on_db!(self, pool => sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool).await.is_ok())
    }

    /// Closes every connection (at shutdown, so that the last writes are flushed).
    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

/// A transaction of either engine, for steps that several storage functions
/// share (an answer's attempt and its review card commit together).
#[derive(Debug)]
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    /// See [`Db::for_update`].
    pub fn for_update(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// The stored form of times in both engines: RFC 3339 UTC with milliseconds
/// (`2026-12-05T09:30:00.000Z`), fixed width, so it sorts as text, and the
/// same shape as the columns' defaults.
pub fn stored_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// This machine's clock in Unix milliseconds (rate buckets, kept reports).
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// [`stored_time`] of now.
pub fn now_text() -> String {
    stored_time(Utc::now())
}

/// [`stored_time`] of `days` days ago (cut-offs of retention and expiry).
pub fn days_ago_text(days: u32) -> String {
    stored_time(Utc::now() - chrono::Duration::days(i64::from(days)))
}
