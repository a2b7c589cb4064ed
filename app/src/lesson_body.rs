//! The body of a lesson as the content loader parses it and the lesson page
//! renders it: HTML, highlighted code and the demos it embeds (both sides).

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
    Roofline,
}

impl DemoKind {
    pub const ALL: [DemoKind; 7] = [
        DemoKind::NSweep,
        DemoKind::BatchSweep,
        DemoKind::Visibility,
        DemoKind::Timing,
        DemoKind::CostCalculator,
        DemoKind::Run,
        DemoKind::Roofline,
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
            DemoKind::Roofline => "roofline",
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
    /// A highlighted code block; `raw` is its plain text (the copy button copies
    /// the same text from the page, so it is not sent to the browser).
    Code {
        lang: String,
        html: String,
        #[serde(skip)]
        raw: String,
    },
    Demo(DemoKind),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", serde(deny_unknown_fields))]
pub struct SourceLink {
    pub title: String,
    pub url: String,
}
