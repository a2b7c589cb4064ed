//! Spaced review of practice questions with FSRS (server only). The algorithm is
//! rs-fsrs's; this file decides which answers are reviews and what they earn:
//! a wrong first answer is `Again`, a right retry after it `Hard`, a right first
//! answer `Good` (the hint is a `<details>` the server never sees, so it cannot
//! count).

use chrono::{DateTime, Utc};
use rs_fsrs::{Card, Parameters, Rating, FSRS};

/// Days between reviews, not minutes: FSRS's long-term scheduler, without the
/// same-day learning steps of a flashcard deck, so a lesson's questions come back
/// a day or more later.
fn scheduler() -> FSRS {
    FSRS::new(Parameters {
        enable_short_term: false,
        ..Parameters::default()
    })
}

/// One question's schedule for one learner, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub card: Card,
    /// The rating of the current review session.
    pub rating: Rating,
    /// The card before this session, kept while its `Again` can still become
    /// `Hard` (a right retry); `None` once the session's rating is final.
    pub session_base: Option<Card>,
    /// Reviews answered right at the first try when the card was due.
    pub reviews_passed: u32,
}

impl Schedule {
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.card.due <= now
    }
}

/// The schedule after an answer, or `None` when the answer changes nothing
/// (answering again before the question is due, other than a first right retry).
pub fn after_answer(
    previous: Option<&Schedule>,
    correct: bool,
    now: DateTime<Utc>,
) -> Option<Schedule> {
    let first_rating = if correct { Rating::Good } else { Rating::Again };
    match previous {
        None => Some(start_session(new_card(now), first_rating, now, 0)),
        Some(s) if s.is_due(now) => {
            let passed = s.reviews_passed + u32::from(correct);
            Some(start_session(s.card.clone(), first_rating, now, passed))
        }
        Some(Schedule {
            session_base: Some(base),
            rating: Rating::Again,
            reviews_passed,
            ..
        }) if correct => Some(Schedule {
            card: scheduler().next(base.clone(), now, Rating::Hard).card,
            rating: Rating::Hard,
            session_base: None,
            reviews_passed: *reviews_passed,
        }),
        Some(_) => None,
    }
}

fn new_card(now: DateTime<Utc>) -> Card {
    Card {
        due: now,
        last_review: now,
        ..Card::default()
    }
}

fn start_session(base: Card, rating: Rating, now: DateTime<Utc>, passed: u32) -> Schedule {
    Schedule {
        card: scheduler().next(base.clone(), now, rating).card,
        rating,
        session_base: (rating == Rating::Again).then_some(base),
        reviews_passed: passed,
    }
}

/// The rating as stored (1–4, FSRS's numbering).
pub fn rating_number(rating: Rating) -> i64 {
    rating as i64
}

pub fn rating_from_number(n: i64) -> Option<Rating> {
    Rating::iter().copied().find(|r| *r as i64 == n)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn t0() -> DateTime<Utc> {
        "2026-11-26T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_right_first_answer_comes_back_days_later() {
        let s = after_answer(None, true, t0()).unwrap();
        assert_eq!(s.rating, Rating::Good);
        assert!(s.card.due >= t0() + Duration::days(2), "due {}", s.card.due);
        assert!(!s.is_due(t0() + Duration::days(1)));
        assert_eq!(s.reviews_passed, 0);
    }

    #[test]
    fn a_wrong_answer_comes_back_sooner_than_a_right_one() {
        let wrong = after_answer(None, false, t0()).unwrap();
        let right = after_answer(None, true, t0()).unwrap();
        assert_eq!(wrong.rating, Rating::Again);
        assert!(wrong.card.due < right.card.due);
        assert!(wrong.card.due >= t0() + Duration::days(1));
    }

    #[test]
    fn a_right_retry_rerates_the_session_hard_once() {
        let wrong = after_answer(None, false, t0()).unwrap();
        let retry = after_answer(Some(&wrong), true, t0() + Duration::minutes(1)).unwrap();
        assert_eq!(retry.rating, Rating::Hard);
        assert!(retry.session_base.is_none());
        // Hard schedules from the same base as Again did, so it lands no sooner.
        assert!(retry.card.due >= wrong.card.due);
        // Answering again before the question is due changes nothing.
        assert!(after_answer(Some(&retry), true, t0() + Duration::minutes(2)).is_none());
        assert!(after_answer(Some(&retry), false, t0() + Duration::minutes(2)).is_none());
    }

    #[test]
    fn a_review_when_due_counts_if_right_and_grows_the_interval() {
        let first = after_answer(None, true, t0()).unwrap();
        let at = first.card.due + Duration::hours(1);
        let review = after_answer(Some(&first), true, at).unwrap();
        assert_eq!(review.reviews_passed, 1);
        assert!(review.card.due - at > first.card.due - t0());
        let forgot = after_answer(Some(&first), false, at).unwrap();
        assert_eq!(forgot.reviews_passed, 0);
        assert_eq!(forgot.rating, Rating::Again);
        assert!(forgot.card.due < review.card.due);
    }

    #[test]
    fn ratings_round_trip_through_their_numbers() {
        for r in Rating::iter() {
            assert_eq!(rating_from_number(rating_number(*r)), Some(*r));
        }
        assert_eq!(rating_from_number(0), None);
    }
}
