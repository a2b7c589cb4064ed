//! A real SQLite file with the real migrations, for the crate's unit tests.

use sqlx::SqlitePool;

use crate::learners::{create_learner, LearnerToken};
use crate::pool::PoolShape;

/// A pool shaped like the server's (`PoolShape`), on a fresh file.
pub async fn test_pool() -> (SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let shape = PoolShape::default();
    let pool = shape
        .pool_options()
        .connect_with(shape.connect_options(&dir.path().join("test.db")))
        .await
        .unwrap();
    crate::pool::migrate(&pool).await.unwrap();
    (pool, dir)
}

pub async fn new_learner(pool: &SqlitePool) -> i64 {
    create_learner(pool, &LearnerToken::generate().unwrap())
        .await
        .unwrap()
}
