//! How every SQLite pool is opened: the server's and the unit tests' (so a
//! test sees the same journal mode, foreign keys and busy wait as production,
//! and a lock the server would wait for does not fail a test), and the
//! migrations every pool gets.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

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

/// Applies `migrations/` (compiled into the binary) to the database.
pub async fn migrate(pool: &sqlx::SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations").run(pool).await
}
