//! Class data sent from the server to the pages (both sides compile these).
//! HTML fields are rendered on the server from trusted content files.

use serde::{Deserialize, Serialize};

/// A class this learner is in: only its name and the learner's own display
/// name, never anything about the other members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyClass {
    pub class_id: i64,
    pub class_name: String,
    pub display_name: String,
}

/// The teacher's view of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub class_name: String,
    /// As learners type it (`ABCD-EFGH`).
    pub join_code: String,
    /// Joins are refused while the class is locked.
    pub locked: bool,
    pub lessons: Vec<LessonHead>,
    pub learners: Vec<LearnerRow>,
    pub items: Vec<ItemRow>,
    pub demos: Vec<DemoRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonHead {
    pub slug: String,
    pub title: String,
    pub questions: usize,
}

/// One learner, one cell per lesson in the order of `Dashboard::lessons`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerRow {
    pub display_name: String,
    pub lessons: Vec<LessonCell>,
}

/// A learner's work on one lesson: counts and mastery level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LessonCell {
    /// Questions answered at least once.
    pub answered: usize,
    /// Questions answered correctly at the first try.
    pub first_try_correct: usize,
    /// The learner's mastery level of the lesson (see `review::Mastery::rule`).
    pub mastery: crate::review::Mastery,
}

/// Item analysis of one question over the class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemRow {
    pub question_id: String,
    pub lesson_title: String,
    /// The prompt as plain text, shortened.
    pub prompt: String,
    /// Members who answered it.
    pub answered: usize,
    pub first_try_correct: usize,
    pub common_mistake: Option<CommonMistake>,
    /// Median attempts up to the first correct one, over those who got there.
    pub median_attempts_to_correct: Option<f64>,
}

impl ItemRow {
    /// First-try correct rate in whole percent; `None` before anyone answered.
    pub fn first_try_percent(&self) -> Option<u32> {
        (self.answered > 0)
            .then(|| (self.first_try_correct as f64 / self.answered as f64 * 100.0).round() as u32)
    }
}

/// The wrong answer given most often, with what the lesson says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommonMistake {
    pub kind: MistakeKind,
    /// How many wrong attempts chose it.
    pub times: usize,
    pub rationale_html: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MistakeKind {
    /// A wrong option of a choice question (`text_html` from content).
    Option { id: String, text_html: String },
    /// A numeric trap: the value a known mistake gives.
    Trap { value: f64 },
}

/// How many members ran a lesson's demo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoRow {
    pub lesson_title: String,
    pub demo: String,
    pub ran: usize,
    pub members: usize,
}

/// The tables a teacher can download, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Learners,
    Items,
    Demos,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Learners, Table::Items, Table::Demos];

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Learners => "learners.csv",
            Table::Items => "items.csv",
            Table::Demos => "demos.csv",
        }
    }

    /// The link text on the dashboard.
    pub fn label(self) -> &'static str {
        match self {
            Table::Learners => "Learners (CSV)",
            Table::Items => "Questions (CSV)",
            Table::Demos => "Lesson demos (CSV)",
        }
    }

    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.file_name() == name)
    }
}
