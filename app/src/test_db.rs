//! A real SQLite file with the real migrations, for the crate's unit tests.

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;

use crate::learner::{create_learner, LearnerToken};

pub async fn test_pool() -> (SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("test.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::migrate!("../migrations").run(&pool).await.unwrap();
    (pool, dir)
}

pub async fn new_learner(pool: &SqlitePool) -> i64 {
    create_learner(pool, &LearnerToken::generate().unwrap())
        .await
        .unwrap()
}
