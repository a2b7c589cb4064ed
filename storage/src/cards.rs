//! Review cards in SQLite (server only): one row per learner and answered
//! question. Times are passed in (see `Clock`) so tests can move them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::FromRow;

pub use crate::db::stored_time;
use crate::db::{on_tx, Db, Tx};
use crate::on_db;

use schedule::Schedule;

pub mod schedule;

#[derive(Debug, thiserror::Error)]
pub enum ReviewStoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("a stored review card could not be read: {0}")]
    Card(#[from] serde_json::Error),
    #[error("a stored review card has an unknown rating {0}")]
    Rating(i64),
}

#[derive(FromRow)]
struct CardRow {
    card: String,
    session_base: Option<String>,
    session_rating: i64,
    reviews_passed: i64,
}

impl CardRow {
    fn into_schedule(self) -> Result<Schedule, ReviewStoreError> {
        Ok(Schedule {
            card: serde_json::from_str(&self.card)?,
            rating: schedule::rating_from_number(self.session_rating)
                .ok_or(ReviewStoreError::Rating(self.session_rating))?,
            session_base: self
                .session_base
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            reviews_passed: u32::try_from(self.reviews_passed).unwrap_or(0),
        })
    }
}

/// Reschedules the question after an answer, in one transaction.
pub async fn record_answer(
    db: &Db,
    learner_id: i64,
    question_id: &str,
    correct: bool,
    now: DateTime<Utc>,
) -> Result<(), ReviewStoreError> {
    let mut tx = db.begin_write().await?;
    reschedule(&mut tx, learner_id, question_id, correct, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Reschedules the question after an answer inside the caller's transaction
/// (the answer and its card are stored together, or neither is). The card is
/// read for update, so two answers racing apply one after the other.
pub async fn reschedule(
    tx: &mut Tx,
    learner_id: i64,
    question_id: &str,
    correct: bool,
    now: DateTime<Utc>,
) -> Result<(), ReviewStoreError> {
    let read = format!(
        "SELECT card, session_base, session_rating, reviews_passed
         FROM review_cards WHERE learner_id = $1 AND question_id = $2{}",
        tx.for_update()
    );
    let previous = on_tx!(tx, conn => {
        sqlx::query_as::<_, CardRow>(&read)
            .bind(learner_id)
            .bind(question_id)
            .fetch_optional(conn)
            .await
    })?
    .map(CardRow::into_schedule)
    .transpose()?;
    let Some(next) = schedule::after_answer(previous.as_ref(), correct, now) else {
        return Ok(());
    };
    let base = next
        .session_base
        .as_ref()
        .map(serde_json::to_string)
        .transpose()?;
    let card = serde_json::to_string(&next.card)?;
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO review_cards
                 (learner_id, question_id, due, card, session_base, session_rating, reviews_passed)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (learner_id, question_id) DO UPDATE SET
                 due = excluded.due, card = excluded.card, session_base = excluded.session_base,
                 session_rating = excluded.session_rating, reviews_passed = excluded.reviews_passed",
        )
        .bind(learner_id)
        .bind(question_id)
        .bind(stored_time(next.card.due))
        .bind(&card)
        .bind(&base)
        .bind(schedule::rating_number(next.rating))
        .bind(i64::from(next.reviews_passed))
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// One question's place in the learner's schedule.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct CardSummary {
    pub question_id: String,
    pub due: String,
    pub reviews_passed: i64,
}

/// Every card of the learner, soonest due first (one per answered question, so
/// bounded by the content).
pub async fn cards(db: &Db, learner_id: i64) -> Result<Vec<CardSummary>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_as::<_, CardSummary>(
            "SELECT question_id, due, reviews_passed FROM review_cards
             WHERE learner_id = $1 ORDER BY due, question_id",
        )
        .bind(learner_id)
        .fetch_all(pool)
        .await
    })
}

/// The learner's cards split at `now`: the due ones (soonest first) and the
/// reviews passed per question.
pub struct Standing {
    pub due: Vec<String>,
    pub next_due: Option<String>,
    pub reviews_passed: HashMap<String, u32>,
}

pub fn standing(cards: &[CardSummary], now: DateTime<Utc>) -> Standing {
    let now = stored_time(now);
    Standing {
        due: cards
            .iter()
            .filter(|c| c.due <= now)
            .map(|c| c.question_id.clone())
            .collect(),
        next_due: cards.iter().find(|c| c.due > now).map(|c| c.due.clone()),
        reviews_passed: cards
            .iter()
            .map(|c| {
                (
                    c.question_id.clone(),
                    u32::try_from(c.reviews_passed).unwrap_or(0),
                )
            })
            .collect(),
    }
}

/// Deletes the learner's cards (with their answers, on reset).
pub async fn delete_cards(db: &Db, learner_id: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        Ok(sqlx::query("DELETE FROM review_cards WHERE learner_id = $1")
            .bind(learner_id)
            .execute(pool)
            .await?
            .rows_affected())
    })
}

#[cfg(test)]
mod tests;
