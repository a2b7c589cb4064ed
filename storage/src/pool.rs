//! How every SQLite pool is opened: the server's and the unit tests' (so a
//! test sees the same journal mode, foreign keys and busy wait as production,
//! and a lock the server would wait for does not fail a test), and the
//! migrations every pool gets.

use std::path::{Path, PathBuf};
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

/// Where the data lives: a SQLite file (the default, created on first start)
/// or a PostgreSQL database (`postgres://` or `postgresql://` URL), which
/// several web instances can share.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    File(PathBuf),
    Postgres(String),
}

impl std::str::FromStr for Target {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(
            if s.starts_with("postgres://") || s.starts_with("postgresql://") {
                Target::Postgres(s.to_string())
            } else {
                Target::File(PathBuf::from(s))
            },
        )
    }
}

/// The file, or the URL without its password (this goes into logs).
impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::File(path) => write!(f, "{}", path.display()),
            Target::Postgres(url) => match url.split_once('@') {
                Some((user, host)) if user.matches(':').count() > 1 => {
                    let user = &user[..user.rfind(':').unwrap_or(user.len())];
                    write!(f, "{user}:…@{host}")
                }
                _ => f.write_str(url),
            },
        }
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({self})")
    }
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database {target}: {source}")]
    Connect {
        target: Target,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot apply the migrations to {target}: {source}")]
    Migrate {
        target: Target,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
}

/// Opens (a file: creating it and its folder) the database at `target` with
/// `shape` and applies the engine's migrations.
pub async fn open(target: &Target, shape: PoolShape) -> Result<Db, OpenError> {
    let connect = |source| OpenError::Connect {
        target: target.clone(),
        source,
    };
    let db = match target {
        Target::File(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|source| OpenError::Folder {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
            let pool = shape
                .pool_options()
                .connect_with(shape.connect_options(path))
                .await
                .map_err(connect)?;
            Db::Sqlite(pool)
        }
        Target::Postgres(url) => {
            let options = shape.postgres_options(url).map_err(connect)?;
            let pool = shape
                .postgres_pool_options()
                .connect_with(options)
                .await
                .map_err(connect)?;
            Db::Postgres(pool)
        }
    };
    migrate_db(&db).await.map_err(|source| OpenError::Migrate {
        target: target.clone(),
        source,
    })?;
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_postgres_anything_else_a_file_and_no_password_is_shown() {
        let parse = |s: &str| s.parse::<Target>().unwrap();
        assert_eq!(
            parse("data/lab.db"),
            Target::File(PathBuf::from("data/lab.db"))
        );
        assert!(matches!(parse("postgres://h/db"), Target::Postgres(_)));
        assert!(matches!(parse("postgresql://h/db"), Target::Postgres(_)));
        let shown = parse("postgres://lab:s3cret@db.school/lab").to_string();
        assert_eq!(shown, "postgres://lab:…@db.school/lab");
        assert!(!format!("{:?}", parse("postgres://lab:s3cret@db/lab")).contains("s3cret"));
        assert_eq!(
            parse("postgres://lab@db/lab?host=/tmp").to_string(),
            "postgres://lab@db/lab?host=/tmp"
        );
    }
}
