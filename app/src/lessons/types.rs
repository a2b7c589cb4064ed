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
    /// The page's shape without the text the server rendered into it: which
    /// segment is prose, code (and in which language) or a demo, how many
    /// sources, which neighbours. Kept whole: the title (the browser sets the
    /// document's title from it) and the slugs (links and demos use them).
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
        let link = |l: &LessonLink| LessonLink {
            slug: l.slug.clone(),
            title: String::new(),
        };
        LessonView {
            slug: self.slug.clone(),
            title: self.title.clone(),
            order: self.order,
            topic: String::new(),
            summary: String::new(),
            body,
            sources: self
                .sources
                .iter()
                .map(|_| SourceLink {
                    title: String::new(),
                    url: String::new(),
                })
                .collect(),
            prev: self.prev.as_ref().map(link),
            next: self.next.as_ref().map(link),
            level: self.level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outline_keeps_the_pages_shape_and_drops_its_text() {
        let link = |slug: &str| LessonLink {
            slug: slug.into(),
            title: format!("{slug} title"),
        };
        let lesson = LessonView {
            slug: "s".into(),
            title: "Title".into(),
            order: 2,
            topic: "Topic".into(),
            summary: "Summary".into(),
            body: vec![
                Segment::Html("<p>x</p>".into()),
                Segment::Code {
                    lang: "rust".into(),
                    html: "<span>fn</span>".into(),
                    raw: "fn".into(),
                },
                Segment::Demo(crate::lesson_body::DemoKind::Timing),
            ],
            sources: vec![SourceLink {
                title: "Docs".into(),
                url: "https://example.org".into(),
            }],
            prev: Some(link("a")),
            next: None,
            level: Some(Mastery::Practised),
        };
        let outline = lesson.outline();
        assert_eq!(
            (
                outline.slug.as_str(),
                outline.title.as_str(),
                outline.order,
                outline.level
            ),
            ("s", "Title", 2, Some(Mastery::Practised))
        );
        assert_eq!(outline.body.len(), 3);
        assert!(
            matches!(&outline.body[1], Segment::Code { lang, html, .. } if lang == "rust" && html.is_empty())
        );
        assert!(matches!(outline.body[2], Segment::Demo(_)));
        assert_eq!(outline.sources.len(), 1);
        assert_eq!(outline.prev.as_ref().map(|p| p.slug.as_str()), Some("a"));
        let json = serde_json::to_string(&outline).unwrap();
        for text in [
            "<p>x</p>",
            "Summary",
            "Topic",
            "Docs",
            "example.org",
            "a title",
        ] {
            assert!(!json.contains(text), "{text} sent twice");
        }
    }
}
