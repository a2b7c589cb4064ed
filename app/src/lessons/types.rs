//! Lesson data sent from the server to the page (both sides compile these).

use serde::{Deserialize, Serialize};

use crate::lesson_body::{Segment, SourceLink};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonLink {
    pub slug: String,
    pub title: String,
}

/// One row of the home page's lesson list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonSummary {
    pub slug: String,
    pub title: String,
    pub order: u32,
    pub topic: String,
    pub summary: String,
    pub question_count: usize,
}

/// Everything the lesson page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonView {
    pub slug: String,
    pub title: String,
    pub order: u32,
    pub topic: String,
    pub summary: String,
    pub body: Vec<Segment>,
    pub sources: Vec<SourceLink>,
    pub prev: Option<LessonLink>,
    pub next: Option<LessonLink>,
}

impl LessonView {
    /// The lesson with its body reduced to its outline: which segment is prose,
    /// code (and in which language) or a demo, without their text. The page
    /// hydrates this outline around the HTML the server rendered.
    pub fn outline(mut self) -> Self {
        for segment in &mut self.body {
            match segment {
                Segment::Html(html) => html.clear(),
                Segment::Code { html, raw, .. } => {
                    html.clear();
                    raw.clear();
                }
                Segment::Demo(_) => {}
            }
        }
        self
    }
}
