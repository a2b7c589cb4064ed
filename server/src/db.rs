//! The database: a SQLite file (created with its folder on first start) or a
//! PostgreSQL URL, opened with the settings' pool shape, migrations applied.

use lab_storage::db::Db;

use crate::error::StartupError;
use crate::settings::Settings;

/// Opens the database the settings name and applies its engine's migrations.
pub(crate) async fn open(settings: &Settings) -> Result<Db, StartupError> {
    Ok(lab_storage::pool::open(&settings.database, settings.pool.shape()).await?)
}
