//! Lesson data sent from the server to the page (both sides compile these).

use serde::{Deserialize, Serialize};

/// A live demonstration a lesson embeds with a `::: demo NAME` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DemoKind {
    NSweep,
    BatchSweep,
    Visibility,
    Timing,
    CostCalculator,
    Run,
}

impl DemoKind {
    pub const ALL: [DemoKind; 6] = [
        DemoKind::NSweep,
        DemoKind::BatchSweep,
        DemoKind::Visibility,
        DemoKind::Timing,
        DemoKind::CostCalculator,
        DemoKind::Run,
    ];

    /// The name used in lesson files.
    pub fn name(self) -> &'static str {
        match self {
            DemoKind::NSweep => "n-sweep",
            DemoKind::BatchSweep => "batch-sweep",
            DemoKind::Visibility => "visibility",
            DemoKind::Timing => "timing",
            DemoKind::CostCalculator => "cost-calculator",
            DemoKind::Run => "run",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|d| d.name()).collect()
    }
}

/// A piece of a rendered lesson body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Segment {
    /// Trusted HTML rendered from the lesson's markdown on the server.
    Html(String),
    /// A highlighted code block; `raw` is what the copy button copies.
    Code { lang: String, html: String, raw: String },
    Demo(DemoKind),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", serde(deny_unknown_fields))]
pub struct SourceLink {
    pub title: String,
    pub url: String,
}

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
