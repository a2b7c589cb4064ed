//! Attempts in SQLite (server only). Runtime-checked queries: the schema lives in
//! `migrations/`, and the tests below run these against a real database file.

use chrono::{DateTime, Utc};
use sqlx::FromRow;

use crate::db::{on_tx, Db, Tx};
use crate::on_db;

use crate::cards::{reschedule, ReviewStoreError};

/// An answer about to be stored; the database decides `first_try`.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub learner_id: i64,
    pub lesson_slug: &'a str,
    pub question_id: &'a str,
    /// The answer as JSON (see `quiz::types::Answer`).
    pub answer_json: &'a str,
    pub correct: bool,
    /// The variant answered, for a question with variants.
    pub variant: Option<u32>,
}

/// Stores an attempt alone (no review card: see [`store_answer`]) and returns
/// whether it was the learner's first on this question.
pub async fn insert_attempt(db: &Db, attempt: &NewAttempt<'_>) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let first_try = insert_attempt_in(&mut tx, attempt).await?;
    tx.commit().await?;
    Ok(first_try)
}

/// Stores an attempt inside the caller's transaction and returns whether it
/// was the learner's first on this question. One statement, so two answers
/// racing each other cannot both count as the first: on SQLite the write
/// transaction excludes other writers; on PostgreSQL the learner's row is
/// locked first, so the second answer's `NOT EXISTS` sees the first one.
async fn insert_attempt_in(tx: &mut Tx, attempt: &NewAttempt<'_>) -> Result<bool, sqlx::Error> {
    let lock = format!("SELECT id FROM learners WHERE id = $1{}", tx.for_update());
    on_tx!(tx, conn => {
        sqlx::query(&lock).bind(attempt.learner_id).execute(&mut *conn).await?;
        sqlx::query_scalar::<_, bool>(
            "INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, variant, first_try)
             SELECT $1, $2, $3, $4, $5, $6,
                    NOT EXISTS (SELECT 1 FROM attempts WHERE learner_id = $1 AND question_id = $3)
             RETURNING first_try",
        )
        .bind(attempt.learner_id)
        .bind(attempt.lesson_slug)
        .bind(attempt.question_id)
        .bind(attempt.answer_json)
        .bind(attempt.correct)
        .bind(attempt.variant.map(i64::from))
        .fetch_one(conn)
        .await
    })
}

/// Why an answer was not stored (nothing of it was: see `store_answer`).
#[derive(Debug, thiserror::Error)]
pub enum AnswerStoreError {
    #[error("storing the attempt failed: {0}")]
    Attempt(#[source] sqlx::Error),
    #[error("scheduling the review failed: {0}")]
    Review(#[source] ReviewStoreError),
}

/// Stores an answer: the attempt and the question's review card in one
/// transaction, so a failure leaves neither (an attempt without its card
/// would never come back for review). Returns whether it was the first try.
pub async fn store_answer(
    db: &Db,
    attempt: &NewAttempt<'_>,
    now: DateTime<Utc>,
) -> Result<bool, AnswerStoreError> {
    let mut tx = db.begin_write().await.map_err(AnswerStoreError::Attempt)?;
    let first_try = insert_attempt_in(&mut tx, attempt)
        .await
        .map_err(AnswerStoreError::Attempt)?;
    reschedule(
        &mut tx,
        attempt.learner_id,
        attempt.question_id,
        attempt.correct,
        now,
    )
    .await
    .map_err(AnswerStoreError::Review)?;
    tx.commit().await.map_err(AnswerStoreError::Attempt)?;
    Ok(first_try)
}

/// A learner's record on one question: enough for feedback and progress.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct QuestionRecord {
    pub question_id: String,
    pub attempts: i64,
    pub first_try_correct: bool,
    pub latest_correct: bool,
    pub latest_answer: String,
    pub latest_first_try: bool,
    pub latest_variant: Option<i64>,
}

/// One row per question the learner has answered, with their latest answer.
pub async fn question_records(
    db: &Db,
    learner_id: i64,
) -> Result<Vec<QuestionRecord>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, QuestionRecord>(
            "SELECT s.question_id, s.attempts, s.first_try_correct,
                    a.correct AS latest_correct, a.answer AS latest_answer, a.first_try AS latest_first_try,
                    a.variant AS latest_variant
             FROM (SELECT question_id, COUNT(*) AS attempts,
                          MAX(CASE WHEN first_try AND correct THEN 1 ELSE 0 END) = 1 AS first_try_correct, MAX(id) AS latest_id
                   FROM attempts WHERE learner_id = $1 GROUP BY question_id) s
             JOIN attempts a ON a.id = s.latest_id
             ORDER BY s.latest_id",
        )
        .bind(learner_id)
        .fetch_all(pool)
        .await
    })
}

/// Every stored attempt, oldest first, for the progress download.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct AttemptRow {
    pub lesson_slug: String,
    pub question_id: String,
    pub answer: String,
    pub correct: bool,
    pub first_try: bool,
    pub created_at: String,
}

/// The learner's latest `limit` attempts, oldest first, and how many older
/// ones were left out (the export is bounded, whatever the history).
pub async fn latest_attempts(
    db: &Db,
    learner_id: i64,
    limit: i64,
) -> Result<(Vec<AttemptRow>, i64), sqlx::Error> {
    on_db!(db, pool => {
        let mut rows = sqlx::query_as::<_, AttemptRow>(
            "SELECT lesson_slug, question_id, answer, correct, first_try, created_at
             FROM attempts WHERE learner_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(learner_id)
        .bind(limit)
        .fetch_all(pool)
        .await?;
        rows.reverse();
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attempts WHERE learner_id = $1")
            .bind(learner_id)
            .fetch_one(pool)
            .await?;
        let left_out = (total - rows.len() as i64).max(0);
        Ok((rows, left_out))
    })
}

/// Deletes the learner's attempts; returns how many there were.
pub async fn delete_attempts(db: &Db, learner_id: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        Ok(sqlx::query("DELETE FROM attempts WHERE learner_id = $1")
            .bind(learner_id)
            .execute(pool)
            .await?
            .rows_affected())
    })
}

#[cfg(test)]
mod tests;
