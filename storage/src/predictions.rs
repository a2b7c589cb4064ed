//! Predictions in SQLite (server only): one row per prediction, with its run's
//! reference, the measurement and the score; at most `KEPT_PER_LEARNER` per learner.

use crate::db::{on_tx, Db};
use crate::on_db;

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
    db: &Db,
    learner: i64,
    demo: PredictedDemo,
    run_ref: &str,
    guess: &Guess,
    measured: &Measured,
    correct: Option<bool>,
) -> Result<i64, PredictionStoreError> {
    let guess = serde_json::to_string(guess)?;
    let measured = serde_json::to_string(measured)?;
    let mut tx = db.begin_write().await?;
    let id: i64 = on_tx!(&mut tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO predictions (learner_id, demo, run_ref, guess, measured, correct) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(learner)
        .bind(demo.name())
        .bind(run_ref)
        .bind(&guess)
        .bind(&measured)
        .bind(correct)
        .fetch_one(conn)
        .await
    })?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "DELETE FROM predictions WHERE learner_id = $1 AND id NOT IN \
             (SELECT id FROM predictions WHERE learner_id = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(learner)
        .bind(KEPT_PER_LEARNER)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    tx.commit().await?;
    Ok(id)
}

/// Prediction `id` if it is `learner`'s (nobody reads another learner's).
pub async fn load_own(
    db: &Db,
    learner: i64,
    id: i64,
) -> Result<Option<StoredPrediction>, PredictionStoreError> {
    on_db!(db, pool => {
        let row: Option<(String, String, String, String, Option<bool>)> = sqlx::query_as(
            "SELECT demo, run_ref, guess, measured, correct FROM predictions \
             WHERE id = $1 AND learner_id = $2",
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
    })
}

/// `learner`'s prediction for run `run_ref` that waits for its measurement.
pub async fn pending_for_run(
    db: &Db,
    learner: i64,
    run_ref: &str,
) -> Result<Option<(i64, PredictedDemo, Guess)>, PredictionStoreError> {
    on_db!(db, pool => {
        let pending = serde_json::to_string(&Measured::Pending)?;
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT id, demo, guess FROM predictions \
             WHERE learner_id = $1 AND run_ref = $2 AND measured = $3 ORDER BY id DESC LIMIT 1",
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
    })
}

/// Stores the measurement of a pending prediction and its score.
pub async fn set_measured(
    db: &Db,
    id: i64,
    measured: &Measured,
    correct: Option<bool>,
) -> Result<(), PredictionStoreError> {
    on_db!(db, pool => {
        sqlx::query("UPDATE predictions SET measured = $1, correct = $2 WHERE id = $3")
            .bind(serde_json::to_string(measured)?)
            .bind(correct)
            .bind(id)
            .execute(pool)
            .await?;
        Ok(())
    })
}

/// How many predictions `learner` made, how many could be scored and were right.
pub async fn stats(db: &Db, learner: i64) -> Result<PredictionStats, sqlx::Error> {
    on_db!(db, pool => {
        let (made, scored, right): (i64, i64, i64) = sqlx::query_as(
            "SELECT count(*), count(correct), count(CASE WHEN correct THEN 1 END) \
             FROM predictions WHERE learner_id = $1",
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
    })
}

/// Deletes `learner`'s predictions (a progress reset).
pub async fn delete_for(db: &Db, learner: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        Ok(sqlx::query("DELETE FROM predictions WHERE learner_id = $1")
            .bind(learner)
            .execute(pool)
            .await?
            .rows_affected())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::{each_backend, new_learner};

    #[tokio::test]
    async fn only_the_newest_predictions_are_kept_and_stats_count_them() {
        each_backend(|pool| async move {
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
        })
        .await;
    }
}
