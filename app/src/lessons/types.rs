//! Lesson data sent from the server to the page (both sides compile these).

use serde::{Deserialize, Serialize};

use crate::hydration::Outline;
use crate::lesson_body::{Segment, SourceLink};
use crate::review::Mastery;

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
    /// The learner's mastery of this lesson (`None` if it could not be read:
    /// the page then shows no level).
    pub level: Option<Mastery>,
}

impl Outline for LessonView {
    /// The body's outline: which segment is prose, code (and in which language)
    /// or a demo, without their text.
    fn outline(&self) -> Self {
        let body = self
            .body
            .iter()
            .map(|segment| match segment {
                Segment::Html(_) => Segment::Html(String::new()),
                Segment::Code { lang, .. } => Segment::Code {
                    lang: lang.clone(),
                    html: String::new(),
                    raw: String::new(),
                },
                Segment::Demo(kind) => Segment::Demo(*kind),
            })
            .collect();
        LessonView {
            slug: self.slug.clone(),
            title: self.title.clone(),
            order: self.order,
            topic: self.topic.clone(),
            summary: self.summary.clone(),
            body,
            sources: self.sources.clone(),
            prev: self.prev.clone(),
            next: self.next.clone(),
            level: self.level,
        }
    }
}
