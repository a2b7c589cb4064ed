//! Lessons and questions, loaded from `content/` at start-up (server only).
//!
//! Everything is parsed and validated before the server accepts a request: a broken
//! file stops start-up with a message naming the file and the field, so the site
//! never serves half its content.

mod error;
mod lesson_file;
mod markdown;
mod prediction_file;
mod puzzle_file;
mod question_file;
mod reference_file;
mod shown;
mod variants;

pub use crate::predictions::types::PredictionText;
pub use error::ContentError;
pub use lesson_file::{Lesson, Source};
pub use markdown::{highlight_css, render_inline_html};
pub use puzzle_file::Puzzle;
pub use question_file::{within, NumericAnswer, Question, QuestionKind, QuestionOption, Trap};
pub use reference_file::{Provenance, ReferenceRow, ReferenceSet};
pub use shown::problems as arithmetic_problems;
pub use variants::{format_number, Number, Numbers, VariantSpec};

use std::collections::{HashMap, HashSet};
use std::path::Path;

/// All teaching content, immutable after start-up and shared behind an `Arc`.
#[derive(Debug)]
pub struct Content {
    /// Lessons sorted by `order`.
    lessons: Vec<Lesson>,
    /// Questions per lesson slug, in file order.
    questions: HashMap<String, Vec<Question>>,
    /// Production libraries measured on the lab's shapes.
    references: Vec<ReferenceSet>,
    /// Kernel puzzles sorted by `order`.
    puzzles: Vec<Puzzle>,
    /// What each lesson demo asks learners to predict.
    predictions: Vec<PredictionText>,
}

impl Content {
    /// Loads `dir/lessons/*.md`, `dir/questions/*.toml`, `dir/references/*.toml`
    /// and `dir/puzzles/*.toml` and checks them together.
    pub fn load(dir: &Path) -> Result<Self, ContentError> {
        let mut lessons = lesson_file::load_dir(&dir.join("lessons"))?;
        lessons.sort_by_key(|l| l.order);
        check_lessons_unique(&lessons)?;

        let slugs: HashSet<&str> = lessons.iter().map(|l| l.slug.as_str()).collect();
        let questions = question_file::load_dir(&dir.join("questions"), &slugs)?;
        let references = reference_file::load_dir(&dir.join("references"))?;
        let puzzles = puzzle_file::load_dir(&dir.join("puzzles"))?;
        let predictions = prediction_file::load(&dir.join("predictions.toml"))?;
        Ok(Self {
            lessons,
            questions,
            references,
            puzzles,
            predictions,
        })
    }

    pub fn lessons(&self) -> &[Lesson] {
        &self.lessons
    }

    pub fn lesson(&self, slug: &str) -> Option<&Lesson> {
        self.lessons.iter().find(|l| l.slug == slug)
    }

    /// The lessons before and after `slug`, for previous/next links.
    pub fn neighbours(&self, slug: &str) -> (Option<&Lesson>, Option<&Lesson>) {
        let Some(i) = self.lessons.iter().position(|l| l.slug == slug) else {
            return (None, None);
        };
        let prev = i.checked_sub(1).and_then(|p| self.lessons.get(p));
        (prev, self.lessons.get(i + 1))
    }

    pub fn references(&self) -> &[ReferenceSet] {
        &self.references
    }

    pub fn puzzles(&self) -> &[Puzzle] {
        &self.puzzles
    }

    pub fn puzzle(&self, id: &str) -> Option<&Puzzle> {
        self.puzzles.iter().find(|p| p.id == id)
    }

    /// A demo's prediction prompt and explanation (every demo has one: checked at load).
    pub fn prediction(
        &self,
        demo: crate::predictions::types::PredictedDemo,
    ) -> Option<&PredictionText> {
        self.predictions.iter().find(|p| p.prompt.demo == demo)
    }

    pub fn questions_for(&self, slug: &str) -> &[Question] {
        self.questions.get(slug).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Finds a question by its stable id, with the slug of its lesson.
    pub fn question(&self, id: &str) -> Option<(&str, &Question)> {
        self.questions
            .iter()
            .find_map(|(slug, qs)| qs.iter().find(|q| q.id == id).map(|q| (slug.as_str(), q)))
    }
}

fn check_lessons_unique(lessons: &[Lesson]) -> Result<(), ContentError> {
    let mut slugs = HashMap::new();
    let mut orders = HashMap::new();
    for l in lessons {
        if let Some(first) = slugs.insert(l.slug.clone(), l.file.clone()) {
            return Err(ContentError::invalid(
                &l.file,
                "slug",
                format!(
                    "duplicate slug '{}', also used by {}",
                    l.slug,
                    first.display()
                ),
            ));
        }
        if let Some(first) = orders.insert(l.order, l.file.clone()) {
            return Err(ContentError::invalid(
                &l.file,
                "order",
                format!(
                    "duplicate order {}, also used by {}",
                    l.order,
                    first.display()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
