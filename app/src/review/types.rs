//! Review and mastery data sent from the server to the page (both sides compile
//! these).

use serde::{Deserialize, Serialize};

use super::Mastery;
use crate::quiz::types::QuestionView;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonMastery {
    pub slug: String,
    pub title: String,
    pub order: u32,
    pub level: Mastery,
}

/// Where a returning learner goes next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NextStep {
    /// Questions are due for spaced review.
    Review { due: usize },
    /// The first question, in course order, not yet answered or last answered wrong.
    Question {
        lesson_slug: String,
        lesson_title: String,
        lesson_order: u32,
        question_id: String,
        unanswered: bool,
    },
    /// Everything answered right and nothing due.
    Done,
}

/// A learner's standing across the course: the home page and lesson badges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyStatus {
    pub lessons: Vec<LessonMastery>,
    pub due: usize,
    /// When the next question falls due (RFC 3339), if none is due now.
    pub next_due: Option<String>,
    pub next: NextStep,
}

impl StudyStatus {
    pub fn level_of(&self, slug: &str) -> Mastery {
        self.lessons
            .iter()
            .find(|l| l.slug == slug)
            .map_or(Mastery::NotStarted, |l| l.level)
    }
}

/// What `/review` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    /// Questions due now, the shown one included unless it was just answered.
    pub due: usize,
    pub next_due: Option<String>,
    /// `next_due` relative to the server's now ("in 3 days"): the same in every time zone.
    pub next_due_in: Option<String>,
    pub current: Option<ReviewItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub lesson_slug: String,
    pub lesson_title: String,
    pub lesson_order: u32,
    /// With the learner's feedback when `answered`; without it when due.
    pub question: QuestionView,
    pub answered: bool,
}
