//! The review-card queries against a real SQLite file, with time moved by hand.

use chrono::Duration;

use super::*;
use crate::test_db::{each_backend, new_learner};

fn t0() -> DateTime<Utc> {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn answered_questions_fall_due_as_time_passes_soonest_first() {
    each_backend(|pool| async move {
        let learner = new_learner(&pool).await;
        record_answer(&pool, learner, "right", true, t0())
            .await
            .unwrap();
        record_answer(&pool, learner, "wrong", false, t0())
            .await
            .unwrap();

        let cards = cards(&pool, learner).await.unwrap();
        assert_eq!(cards.len(), 2);
        assert!(standing(&cards, t0()).due.is_empty());
        // The wrong one comes back first, a day later; the right one later still.
        let day = standing(&cards, t0() + Duration::days(1) + Duration::minutes(1));
        assert_eq!(day.due, vec!["wrong".to_string()]);
        assert!(day.next_due.is_some());
        let later = standing(&cards, t0() + Duration::days(30));
        assert_eq!(later.due, vec!["wrong".to_string(), "right".to_string()]);
        assert_eq!(later.next_due, None);
    })
    .await;
}

#[tokio::test]
async fn a_right_review_when_due_is_counted_and_pushes_the_card_further() {
    each_backend(|pool| async move {
        let learner = new_learner(&pool).await;
        record_answer(&pool, learner, "q", true, t0())
            .await
            .unwrap();
        let first_due = cards(&pool, learner).await.unwrap()[0].due.clone();

        // Answering again before it is due changes nothing.
        record_answer(&pool, learner, "q", true, t0() + Duration::hours(1))
            .await
            .unwrap();
        let unchanged = cards(&pool, learner).await.unwrap();
        assert_eq!(unchanged[0].due, first_due);
        assert_eq!(unchanged[0].reviews_passed, 0);

        let review_at = t0() + Duration::days(10);
        record_answer(&pool, learner, "q", true, review_at)
            .await
            .unwrap();
        let reviewed = cards(&pool, learner).await.unwrap();
        assert_eq!(reviewed[0].reviews_passed, 1);
        assert!(reviewed[0].due > stored_time(review_at + Duration::days(3)));
    })
    .await;
}

#[tokio::test]
async fn cards_belong_to_one_learner_and_go_with_a_reset() {
    each_backend(|pool| async move {
        let a = new_learner(&pool).await;
        let b = new_learner(&pool).await;
        record_answer(&pool, a, "q", true, t0()).await.unwrap();
        assert!(cards(&pool, b).await.unwrap().is_empty());
        assert_eq!(delete_cards(&pool, a).await.unwrap(), 1);
        assert!(cards(&pool, a).await.unwrap().is_empty());
    })
    .await;
}
