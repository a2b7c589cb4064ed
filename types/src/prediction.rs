//! Predictions as they cross the wire and are stored: which demo asked, what
//! the learner guessed, what the run measured, and how often they were right.

use serde::{Deserialize, Serialize};

/// A lesson demo that asks for a prediction, and what kind of answer it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PredictedDemo {
    /// How many GPUs a program sees under a visibility string (a count).
    Visibility,
    /// How many times longer the real GPU time is than the time without waiting.
    Timing,
    /// Which device is cheaper per million inferences at the typed prices.
    CostCalculator,
    /// How many times longer n = 10,000 items take than n = 1,000.
    NSweep,
    /// Which device is faster at b = 1 and at b = 1,024.
    BatchSweep,
    /// Which roof bounds `medium` at b = 1 on this server's GPU.
    Roofline,
}

/// What a demo's answer is: a number up to a bound, or one of fixed choices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnswerKind {
    Number { max: f64 },
    Choice { values: &'static [&'static str] },
}

impl PredictedDemo {
    pub const ALL: [PredictedDemo; 6] = [
        PredictedDemo::Visibility,
        PredictedDemo::Timing,
        PredictedDemo::CostCalculator,
        PredictedDemo::NSweep,
        PredictedDemo::BatchSweep,
        PredictedDemo::Roofline,
    ];

    /// Its name in `content/predictions.toml`, the database and URLs (the
    /// lesson file's demo name).
    pub fn name(self) -> &'static str {
        match self {
            PredictedDemo::Visibility => "visibility",
            PredictedDemo::Timing => "timing",
            PredictedDemo::CostCalculator => "cost-calculator",
            PredictedDemo::NSweep => "n-sweep",
            PredictedDemo::BatchSweep => "batch-sweep",
            PredictedDemo::Roofline => "roofline",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The answers the demo takes. The choice values are what the server
    /// measures, so they live here; their labels live in the content file.
    pub fn answer_kind(self) -> AnswerKind {
        match self {
            // No server has more than a few hundred adapters.
            PredictedDemo::Visibility => AnswerKind::Number { max: 1_000.0 },
            PredictedDemo::Timing => AnswerKind::Number { max: 1_000_000.0 },
            PredictedDemo::CostCalculator => AnswerKind::Choice {
                values: &["gpu", "cpu"],
            },
            PredictedDemo::NSweep => AnswerKind::Number { max: 1_000_000.0 },
            // The faster device at b = 1, then at b = 1,024.
            PredictedDemo::BatchSweep => AnswerKind::Choice {
                values: &["gpu-gpu", "cpu-gpu", "gpu-cpu", "cpu-cpu"],
            },
            // `lab_types::Bound::name` of the roof that bounds it.
            PredictedDemo::Roofline => AnswerKind::Choice {
                values: &["memory", "compute"],
            },
        }
    }
}

/// The value of the "I don't know" choice (and of the number form's checkbox).
pub const DONT_KNOW: &str = "dont-know";

/// What the learner predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Guess {
    Number(f64),
    Choice(String),
    DontKnow,
}

/// What the demo measured, in the same terms as the guess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Measured {
    /// A number without a spread (ratios stored before they had one).
    Number(f64),
    /// A count (how many GPUs a program sees): only the exact count is right.
    Count(u32),
    /// A ratio of two timed medians, with the range it could take given the
    /// repeats' spread (`low` ≤ `value` ≤ `high`): a guess is scored against
    /// the range, as the run cannot tell values inside it apart.
    Ratio {
        value: f64,
        low: f64,
        high: f64,
    },
    Choice(String),
    /// Nothing to compare with (e.g. only one device could be measured).
    Unavailable,
    /// The run has not finished yet (a sweep started from a page with JavaScript).
    Pending,
}

/// How often a learner's predictions were right.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictionStats {
    pub made: u32,
    /// Predictions with a guess and a measurement to compare it with.
    pub scored: u32,
    pub right: u32,
}

impl PredictionStats {
    /// Share of the scored predictions that were right, in whole percent.
    pub fn percent_right(&self) -> u32 {
        if self.scored == 0 {
            return 0;
        }
        ((self.right as f64 / self.scored as f64) * 100.0).round() as u32
    }
}
