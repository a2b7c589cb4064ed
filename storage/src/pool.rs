//! How every SQLite pool is opened: the server's and the unit tests' (so a
//! test sees the same journal mode, foreign keys and busy wait as production,
//! and a lock the server would wait for does not fail a test), and the
//! migrations every pool gets.

use std::path::Path;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::db::Db;

/// The pool's size and how long a writer waits for SQLite's lock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoolShape {
    pub max_connections: u32,
    pub busy_timeout: Duration,
}

impl Default for PoolShape {
    fn default() -> Self {
        PoolShape {
            max_connections: 8,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl PoolShape {
    /// The connection options for the database file at `path`.
    pub fn connect_options(&self, path: &Path) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL is durable across application crashes and much faster than FULL.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(self.busy_timeout)
            .foreign_keys(true)
    }

    /// The pool options: its size, and a wait for a free connection no longer
    /// than a writer's wait for the lock.
    pub fn pool_options(&self) -> SqlitePoolOptions {
        SqlitePoolOptions::new()
            .max_connections(self.max_connections.max(1))
            .acquire_timeout(self.busy_timeout.max(Duration::from_secs(1)))
    }
}

impl PoolShape {
    /// PostgreSQL's options for `url`: a lock wait and a statement end after
    /// the busy timeout (the server's own cut-off), as SQLite's busy wait does,
    /// so that no request waits on the database for ever.
    pub fn postgres_options(&self, url: &str) -> Result<PgConnectOptions, sqlx::Error> {
        let ms = self.busy_timeout.as_millis().max(1).to_string();
        Ok(url.parse::<PgConnectOptions>()?.options([
            ("lock_timeout", ms.as_str()),
            ("statement_timeout", ms.as_str()),
        ]))
    }

    /// PostgreSQL's pool options: the same size and wait for a connection.
    pub fn postgres_pool_options(&self) -> PgPoolOptions {
        PgPoolOptions::new()
            .max_connections(self.max_connections.max(1))
            .acquire_timeout(self.busy_timeout.max(Duration::from_secs(1)))
    }
}

/// Applies `migrations/` (compiled into the binary) to a SQLite database.
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations").run(pool).await
}

/// Applies `migrations/postgres/` (compiled into the binary) to a PostgreSQL
/// database: one baseline equal to SQLite's history, then the same steps.
pub async fn migrate_postgres(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations/postgres").run(pool).await
}

/// Applies the engine's migrations.
pub async fn migrate_db(db: &Db) -> Result<(), sqlx::migrate::MigrateError> {
    match db {
        Db::Sqlite(pool) => migrate(pool).await,
        Db::Postgres(pool) => migrate_postgres(pool).await,
    }
}
