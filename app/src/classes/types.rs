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

pub use lab_types::TaughtClass;

/// The teacher's view of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub class_name: String,
    /// As learners type it (`ABCD-EFGH`).
    pub join_code: String,
    /// Scheme and host as the browser reaches this server (`LAB_PUBLIC_ORIGIN`
    /// when set), for full links; empty when unknown (links stay paths).
    #[serde(default)]
    pub origin: String,
    /// The join link as an inline SVG QR code; empty when the origin is
    /// unknown (a QR code of a bare path would lead nowhere).
    #[serde(default)]
    pub join_qr_svg: String,
    /// Joins are refused while the class is locked.
    pub locked: bool,
    pub lessons: Vec<LessonHead>,
    pub learners: Vec<LearnerRow>,
    /// Answered questions first, the lowest first-try rate first; then the
    /// questions nobody answered, in lesson order.
    pub items: Vec<ItemRow>,
    pub demos: Vec<DemoRow>,
}

impl Dashboard {
    /// The `/join` link with the code filled in (a full URL when the origin is known).
    pub fn join_link(&self) -> String {
        format!("{}/join?code={}", self.origin, self.join_code)
    }

    /// The class's most widespread misconceptions: the most common wrong
    /// answer of each question, by how many learners gave it, then by their
    /// share of those who answered, then by how often it was given.
    pub fn top_misconceptions(&self, n: usize) -> Vec<&ItemRow> {
        let mut found: Vec<&ItemRow> = self
            .items
            .iter()
            .filter(|i| i.common_mistake.is_some())
            .collect();
        let key = |i: &ItemRow| {
            let m = i
                .common_mistake
                .as_ref()
                .map_or((0, 0), |m| (m.learners, m.times));
            (m.0, i.mistake_share(), m.1)
        };
        found.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            kb.0.cmp(&ka.0)
                .then(kb.1.total_cmp(&ka.1))
                .then(kb.2.cmp(&ka.2))
        });
        found.truncate(n);
        found
    }
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
    /// Every question they answered, in lesson order (the drill-down).
    #[serde(default)]
    pub answers: Vec<LearnerAnswer>,
}

/// One learner's record on one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerAnswer {
    pub question_id: String,
    pub attempts: usize,
    pub first_try_correct: bool,
    /// Attempts up to the first correct one; `None`: not right yet.
    pub attempts_to_correct: Option<usize>,
    /// The wrong answer they gave most often, if any matched an option or trap.
    pub mistake: Option<MistakeKind>,
}

impl LearnerAnswer {
    /// Their outcome in words.
    pub fn outcome(&self) -> String {
        match self.attempts_to_correct {
            _ if self.first_try_correct => "right at the first try".into(),
            Some(n) => format!("right at attempt {n}"),
            None => "not right yet".into(),
        }
    }
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
    /// The prompt as plain text, shortened at a word boundary; a question
    /// with variants shows example numbers (see `example_numbers`).
    pub prompt: String,
    /// For a question with variants: the numbers of the example shown
    /// (`o = 2, c = 0.5, b = 8`); learners each got their own.
    #[serde(default)]
    pub example_numbers: Option<String>,
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

    /// The share (0 to 1) of those who answered who gave the most common mistake.
    pub fn mistake_share(&self) -> f64 {
        match &self.common_mistake {
            Some(m) if self.answered > 0 => m.learners as f64 / self.answered as f64,
            _ => 0.0,
        }
    }
}

/// The wrong answer given most often, with what the lesson says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommonMistake {
    pub kind: MistakeKind,
    /// How many wrong attempts chose it.
    pub times: usize,
    /// How many learners chose it at least once.
    #[serde(default)]
    pub learners: usize,
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
    /// Long format: one row per attempt (learner, question, attempt, correct, time).
    Attempts,
}

impl Table {
    pub const ALL: [Table; 4] = [Table::Attempts, Table::Learners, Table::Items, Table::Demos];

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Learners => "learners.csv",
            Table::Items => "items.csv",
            Table::Demos => "demos.csv",
            Table::Attempts => "attempts.csv",
        }
    }

    /// The link text on the dashboard.
    pub fn label(self) -> &'static str {
        match self {
            Table::Learners => "Learners per lesson (CSV)",
            Table::Items => "Questions (CSV)",
            Table::Demos => "Lesson demos (CSV)",
            Table::Attempts => "Every answer, one row per attempt (CSV)",
        }
    }

    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.file_name() == name)
    }
}
