//! The attempt queries against a real SQLite file with the real migrations.

use super::*;
use crate::learners::{create_learner, find_learner, LearnerToken};
use crate::on_db;
use crate::test_db::{each_backend, new_learner};

fn attempt<'a>(learner_id: i64, question_id: &'a str, correct: bool) -> NewAttempt<'a> {
    NewAttempt {
        learner_id,
        lesson_slug: "lesson",
        question_id,
        answer_json: r#"{"choices":["a"]}"#,
        correct,
        variant: None,
    }
}

#[tokio::test]
async fn learners_are_found_by_token_only() {
    each_backend(|pool| async move {
        let token = LearnerToken::generate().unwrap();
        let id = create_learner(&pool, &token).await.unwrap();
        assert_eq!(find_learner(&pool, &token).await.unwrap(), Some(id));
        assert_eq!(
            find_learner(&pool, &LearnerToken::generate().unwrap())
                .await
                .unwrap(),
            None
        );
        let stored: Vec<u8> =
            on_db!(&pool, p => sqlx::query_scalar("SELECT token_hash FROM learners")
            .fetch_one(p)
            .await)
            .unwrap();
        assert_eq!(stored, token.hash(), "only the hash is stored");
        assert_ne!(stored, token.to_hex().into_bytes());
    })
    .await;
}

#[tokio::test]
async fn only_the_first_attempt_per_learner_and_question_is_first_try() {
    each_backend(|pool| async move {
        let (a, b) = (new_learner(&pool).await, new_learner(&pool).await);
        assert!(insert_attempt(&pool, &attempt(a, "q1", false))
            .await
            .unwrap());
        assert!(!insert_attempt(&pool, &attempt(a, "q1", true))
            .await
            .unwrap());
        assert!(
            insert_attempt(&pool, &attempt(a, "q2", true))
                .await
                .unwrap(),
            "another question"
        );
        assert!(
            insert_attempt(&pool, &attempt(b, "q1", true))
                .await
                .unwrap(),
            "another learner"
        );
    })
    .await;
}

#[tokio::test]
async fn records_summarise_each_question_with_its_latest_answer() {
    each_backend(|pool| async move {
        let (a, b) = (new_learner(&pool).await, new_learner(&pool).await);
        insert_attempt(&pool, &attempt(a, "q1", false))
            .await
            .unwrap();
        insert_attempt(
            &pool,
            &NewAttempt {
                answer_json: r#"{"number":16.0}"#,
                ..attempt(a, "q1", true)
            },
        )
        .await
        .unwrap();
        insert_attempt(&pool, &attempt(a, "q2", true))
            .await
            .unwrap();
        insert_attempt(&pool, &attempt(b, "q3", true))
            .await
            .unwrap();

        let records = question_records(&pool, a).await.unwrap();
        assert_eq!(records.len(), 2, "B's answers are not A's: {records:?}");
        let q1 = &records[0];
        assert_eq!((q1.question_id.as_str(), q1.attempts), ("q1", 2));
        assert!(q1.latest_correct && !q1.first_try_correct && !q1.latest_first_try);
        assert_eq!(q1.latest_answer, r#"{"number":16.0}"#);
        let q2 = &records[1];
        assert!(q2.latest_correct && q2.first_try_correct && q2.latest_first_try);
    })
    .await;
}

#[tokio::test]
async fn deleting_touches_only_that_learner() {
    each_backend(|pool| async move {
        let (a, b) = (new_learner(&pool).await, new_learner(&pool).await);
        insert_attempt(&pool, &attempt(a, "q1", true))
            .await
            .unwrap();
        insert_attempt(&pool, &attempt(a, "q2", false))
            .await
            .unwrap();
        insert_attempt(&pool, &attempt(b, "q1", true))
            .await
            .unwrap();
        assert_eq!(delete_attempts(&pool, a).await.unwrap(), 2);
        assert!(latest_attempts(&pool, a, 100).await.unwrap().0.is_empty());
        let (left, _) = latest_attempts(&pool, b, 100).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(
            (
                left[0].question_id.as_str(),
                left[0].correct,
                left[0].first_try
            ),
            ("q1", true, true)
        );
        assert!(left[0].created_at.ends_with('Z'));
        assert!(
            insert_attempt(&pool, &attempt(a, "q1", true))
                .await
                .unwrap(),
            "after a reset the next answer is a first try again"
        );
    })
    .await;
}

#[tokio::test]
async fn an_answer_and_its_review_card_are_stored_together_or_not_at_all() {
    each_backend(|pool| async move {
        let a = new_learner(&pool).await;
        let now = chrono::Utc::now();
        // Stored together: the attempt and a card that brings the question back.
        assert!(store_answer(&pool, &attempt(a, "q1", true), now)
            .await
            .unwrap());
        let cards: i64 = on_db!(&pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM review_cards WHERE learner_id = $1")
            .bind(a)
            .fetch_one(p)
            .await)
            .unwrap();
        assert_eq!(cards, 1);

        // A card that cannot be read makes the review step fail: the attempt
        // written before it in the same transaction is rolled back with it.
        on_db!(&pool, p => sqlx::query(
            "INSERT INTO review_cards (learner_id, question_id, due, card, session_rating, reviews_passed)
             VALUES ($1, 'q2', '2026-01-01T00:00:00.000Z', 'not json', 3, 0)",
        )
        .bind(a)
        .execute(p)
        .await.map(|_| ()))
        .unwrap();
        let e = store_answer(&pool, &attempt(a, "q2", false), now)
            .await
            .expect_err("the card is unreadable");
        assert!(matches!(e, AnswerStoreError::Review(_)), "{e}");
        assert!(std::error::Error::source(&e).is_some(), "the cause is kept");
        let attempts: i64 = on_db!(&pool, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM attempts WHERE learner_id = $1 AND question_id = 'q2'",
        )
        .bind(a)
        .fetch_one(p)
        .await)
        .unwrap();
        assert_eq!(attempts, 0, "no attempt without its card");
    })
    .await;
}
