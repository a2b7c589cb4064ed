//! The SQLite pool: one file, WAL journal, migrations applied at start-up.

use std::path::Path;

use lab_storage::pool::{migrate, PoolShape};
use sqlx::SqlitePool;

use crate::error::StartupError;

/// Opens (creating) the database at `path` with `shape` and applies the migrations.
pub(crate) async fn connect_shaped(
    path: &Path,
    shape: PoolShape,
) -> Result<SqlitePool, StartupError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StartupError::DatabaseDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let pool = shape
        .pool_options()
        .connect_with(shape.connect_options(path))
        .await
        .map_err(|source| StartupError::Database {
            path: path.to_path_buf(),
            source,
        })?;
    migrate(&pool).await?;
    Ok(pool)
}
