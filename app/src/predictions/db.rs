//! Predictions in SQLite (server only): one row per prediction, with its run's
//! reference, the measurement and the score; at most `KEPT_PER_LEARNER` per learner.

use sqlx::SqlitePool;

use super::types::{Guess, Measured, PredictedDemo, PredictionStats};

/// The newest predictions kept per learner; older ones are deleted on insert.
pub const KEPT_PER_LEARNER: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum PredictionStoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("a stored prediction could not be read")]
    Json(#[from] serde_json::Error),
}

/// A stored prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPrediction {
    pub demo: Option<PredictedDemo>,
    pub run_ref: String,
    pub guess: Guess,
    pub measured: Measured,
    pub correct: Option<bool>,
}

/// Stores a scored prediction and answers its id.
pub async fn insert(
    pool: &SqlitePool,
    learner: i64,
    demo: PredictedDemo,
    run_ref: &str,
    guess: &Guess,
    measured: &Measured,
    correct: Option<bool>,
) -> Result<i64, PredictionStoreError> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO predictions (learner_id, demo, run_ref, guess, measured, correct) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(learner)
    .bind(demo.name())
    .bind(run_ref)
    .bind(serde_json::to_string(guess)?)
    .bind(serde_json::to_string(measured)?)
    .bind(correct)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM predictions WHERE learner_id = ?1 AND id NOT IN \
         (SELECT id FROM predictions WHERE learner_id = ?1 ORDER BY id DESC LIMIT ?2)",
    )
    .bind(learner)
    .bind(KEPT_PER_LEARNER)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Prediction `id` if it is `learner`'s (nobody reads another learner's).
pub async fn load_own(
    pool: &SqlitePool,
    learner: i64,
    id: i64,
) -> Result<Option<StoredPrediction>, PredictionStoreError> {
    let row: Option<(String, String, String, String, Option<bool>)> = sqlx::query_as(
        "SELECT demo, run_ref, guess, measured, correct FROM predictions \
         WHERE id = ? AND learner_id = ?",
    )
    .bind(id)
    .bind(learner)
    .fetch_optional(pool)
    .await?;
    row.map(|(demo, run_ref, guess, measured, correct)| {
        Ok(StoredPrediction {
            demo: PredictedDemo::from_name(&demo),
            run_ref,
            guess: serde_json::from_str(&guess)?,
            measured: serde_json::from_str(&measured)?,
            correct,
        })
    })
    .transpose()
}

/// How many predictions `learner` made, how many could be scored and were right.
pub async fn stats(pool: &SqlitePool, learner: i64) -> Result<PredictionStats, sqlx::Error> {
    let (made, scored, right): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(correct), coalesce(sum(correct), 0) \
         FROM predictions WHERE learner_id = ?",
    )
    .bind(learner)
    .fetch_one(pool)
    .await?;
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    Ok(PredictionStats {
        made: count(made),
        scored: count(scored),
        right: count(right),
    })
}

/// Deletes `learner`'s predictions (a progress reset).
pub async fn delete_for(pool: &SqlitePool, learner: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM predictions WHERE learner_id = ?")
        .bind(learner)
        .execute(pool)
        .await?
        .rows_affected())
}
