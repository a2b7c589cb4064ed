//! Progress data sent from the server to the page (both sides compile these).

use serde::{Deserialize, Serialize};

/// Counts over a set of questions, from the learner's answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub questions: usize,
    pub answered: usize,
    /// Questions whose latest answer is correct.
    pub correct: usize,
    /// Questions answered correctly at the first try.
    pub first_try_correct: usize,
}

impl Tally {
    /// Share of the questions whose latest answer is correct, in whole percent.
    pub fn percent_correct(&self) -> u32 {
        if self.questions == 0 {
            return 0;
        }
        ((self.correct as f64 / self.questions as f64) * 100.0).round() as u32
    }

    pub fn add(&mut self, other: &Tally) {
        self.questions += other.questions;
        self.answered += other.answered;
        self.correct += other.correct;
        self.first_try_correct += other.first_try_correct;
    }

    /// Some question is unanswered or last answered wrong.
    pub fn needs_practice(&self) -> bool {
        self.correct < self.questions
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonProgress {
    pub slug: String,
    pub title: String,
    pub order: u32,
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressView {
    pub lessons: Vec<LessonProgress>,
    pub overall: Tally,
    /// The first lesson, in course order, with an unanswered or wrong question.
    pub next: Option<LessonProgress>,
    /// Kernel puzzles solved (a correct kernel on any GPU), of those in the content.
    pub puzzles_solved: usize,
    pub puzzles_total: usize,
}
