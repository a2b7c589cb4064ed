//! The mastery level of a lesson, from the learner's recent answers to its
//! questions (both sides compile this). The rule is written out in the README
//! and on `/progress`; `Mastery::rule` is that text.

use serde::{Deserialize, Serialize};

/// Ordered from least to most: `Ord` compares levels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mastery {
    #[default]
    NotStarted,
    Practised,
    Familiar,
    Proficient,
    Mastered,
}

impl Mastery {
    pub const ALL: [Mastery; 5] = [
        Mastery::NotStarted,
        Mastery::Practised,
        Mastery::Familiar,
        Mastery::Proficient,
        Mastery::Mastered,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Mastery::NotStarted => "Not started",
            Mastery::Practised => "Practised",
            Mastery::Familiar => "Familiar",
            Mastery::Proficient => "Proficient",
            Mastery::Mastered => "Mastered",
        }
    }

    /// When a lesson is at this level.
    pub fn rule(self) -> &'static str {
        match self {
            Mastery::NotStarted => "no question of the lesson answered yet",
            Mastery::Practised => "at least one question answered",
            Mastery::Familiar => "every question answered, at least half of them right at the latest answer",
            Mastery::Proficient => "every question's latest answer is right",
            Mastery::Mastered => "proficient, and every question also answered right at the first try in a spaced review (days later, when /review brought it back)",
        }
    }

    /// A CSS class per level.
    pub fn class(self) -> &'static str {
        match self {
            Mastery::NotStarted => "mastery not-started",
            Mastery::Practised => "mastery practised",
            Mastery::Familiar => "mastery familiar",
            Mastery::Proficient => "mastery proficient",
            Mastery::Mastered => "mastery mastered",
        }
    }
}

/// One question of the lesson, as far as mastery is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuestionStanding {
    pub answered: bool,
    pub latest_correct: bool,
    /// Spaced reviews answered right at the first try.
    pub reviews_passed: u32,
}

/// The lesson's level from its questions' standings (see `Mastery::rule`).
pub fn mastery(questions: &[QuestionStanding]) -> Mastery {
    let answered = questions.iter().filter(|q| q.answered).count();
    let right = questions
        .iter()
        .filter(|q| q.answered && q.latest_correct)
        .count();
    if answered == 0 {
        return Mastery::NotStarted;
    }
    if answered < questions.len() || right * 2 < questions.len() {
        return Mastery::Practised;
    }
    if right < questions.len() {
        return Mastery::Familiar;
    }
    if questions.iter().all(|q| q.reviews_passed > 0) {
        Mastery::Mastered
    } else {
        Mastery::Proficient
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(answered: bool, latest_correct: bool, reviews_passed: u32) -> QuestionStanding {
        QuestionStanding {
            answered,
            latest_correct,
            reviews_passed,
        }
    }

    #[test]
    fn nothing_answered_is_not_started() {
        assert_eq!(mastery(&[q(false, false, 0); 3]), Mastery::NotStarted);
        assert_eq!(mastery(&[]), Mastery::NotStarted);
    }

    #[test]
    fn some_questions_unanswered_is_practised_even_if_all_answers_are_right() {
        assert_eq!(
            mastery(&[q(true, true, 1), q(true, true, 1), q(false, false, 0)]),
            Mastery::Practised
        );
    }

    #[test]
    fn all_answered_but_fewer_than_half_right_is_practised() {
        let qs = [q(true, true, 0), q(true, false, 0), q(true, false, 0)];
        assert_eq!(mastery(&qs), Mastery::Practised);
    }

    #[test]
    fn all_answered_and_half_right_is_familiar() {
        let qs = [q(true, true, 0), q(true, false, 0)];
        assert_eq!(mastery(&qs), Mastery::Familiar);
    }

    #[test]
    fn all_right_is_proficient_until_every_question_passed_a_review() {
        let mut qs = [q(true, true, 1), q(true, true, 0)];
        assert_eq!(mastery(&qs), Mastery::Proficient);
        qs[1].reviews_passed = 2;
        assert_eq!(mastery(&qs), Mastery::Mastered);
    }

    #[test]
    fn a_wrong_latest_answer_drops_a_mastered_lesson() {
        let qs = [q(true, true, 3), q(true, false, 3)];
        assert_eq!(mastery(&qs), Mastery::Familiar);
    }
}
