//! Predictions in SQLite (server only): one row per prediction, with its run's
//! reference, the measurement and the score; at most `KEPT_PER_LEARNER` per learner.

use sqlx::SqlitePool;

use lab_types::prediction::{Guess, Measured, PredictedDemo, PredictionStats};

/// The newest predictions kept per learner; older ones are deleted on insert.
pub const KEPT_PER_LEARNER: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum PredictionStoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("a stored prediction could not be read: {0}")]
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
    // IMMEDIATE: the write lock from the start, so a concurrent writer makes this
    // wait (busy timeout); a deferred read that turns into a write fails instead.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
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

/// `learner`'s prediction for run `run_ref` that waits for its measurement.
pub async fn pending_for_run(
    pool: &SqlitePool,
    learner: i64,
    run_ref: &str,
) -> Result<Option<(i64, PredictedDemo, Guess)>, PredictionStoreError> {
    let pending = serde_json::to_string(&Measured::Pending)?;
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT id, demo, guess FROM predictions \
         WHERE learner_id = ? AND run_ref = ? AND measured = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(learner)
    .bind(run_ref)
    .bind(pending)
    .fetch_optional(pool)
    .await?;
    let Some((id, demo, guess)) = row else {
        return Ok(None);
    };
    let Some(demo) = PredictedDemo::from_name(&demo) else {
        return Ok(None);
    };
    Ok(Some((id, demo, serde_json::from_str(&guess)?)))
}

/// Stores the measurement of a pending prediction and its score.
pub async fn set_measured(
    pool: &SqlitePool,
    id: i64,
    measured: &Measured,
    correct: Option<bool>,
) -> Result<(), PredictionStoreError> {
    sqlx::query("UPDATE predictions SET measured = ?, correct = ? WHERE id = ?")
        .bind(serde_json::to_string(measured)?)
        .bind(correct)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{new_learner, test_pool};

    #[tokio::test]
    async fn only_the_newest_predictions_are_kept_and_stats_count_them() {
        let (pool, _dir) = test_pool().await;
        let (me, other) = (new_learner(&pool).await, new_learner(&pool).await);
        let demo = PredictedDemo::Visibility;
        let measured = Measured::Number(1.0);
        insert(
            &pool,
            other,
            demo,
            "'0'",
            &Guess::Number(1.0),
            &measured,
            Some(true),
        )
        .await
        .unwrap();
        let mut last = 0;
        for i in 0..KEPT_PER_LEARNER + 5 {
            let (guess, correct) = match i % 3 {
                0 => (Guess::Number(1.0), Some(true)),
                1 => (Guess::Number(3.0), Some(false)),
                _ => (Guess::DontKnow, None),
            };
            last = insert(&pool, me, demo, "'0'", &guess, &measured, correct)
                .await
                .unwrap();
        }
        let s = stats(&pool, me).await.unwrap();
        assert_eq!(s.made as i64, KEPT_PER_LEARNER);
        // The newest 200 of 205 (i = 5..=204): 67 right, 66 wrong, 67 "I don't know".
        assert_eq!((s.right, s.scored), (67, 133), "{s:?}");
        assert_eq!(
            stats(&pool, other).await.unwrap().made,
            1,
            "another learner's are kept"
        );
        let newest = load_own(&pool, me, last).await.unwrap().unwrap();
        assert_eq!(newest.demo, Some(demo));
        assert_eq!(
            load_own(&pool, other, last).await.unwrap(),
            None,
            "not theirs"
        );
        assert_eq!(
            delete_for(&pool, me).await.unwrap() as i64,
            KEPT_PER_LEARNER
        );
    }
}
