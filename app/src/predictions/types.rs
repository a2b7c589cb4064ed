//! Predictions as they cross the wire and are stored (both sides compile these).

use serde::{Deserialize, Serialize};

pub use lab_types::prediction::{
    AnswerKind, Guess, Measured, PredictedDemo, PredictionStats, DONT_KNOW,
};

/// A demo's prediction prompt, from the content file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub demo: PredictedDemo,
    pub question: String,
    pub answer: PromptAnswer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PromptAnswer {
    /// A number; `unit` is shown after the field (e.g. "×").
    Number { max: f64, unit: String },
    /// One of `(value, label)`; "I don't know" is added by the form.
    Choice { choices: Vec<(String, String)> },
}

/// A stored prediction beside its measurement, as the result shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub question: String,
    pub guess: String,
    pub measured: String,
    /// "between 9.8 × and 21 × given this run's spread", for a ratio.
    #[serde(default)]
    pub spread: Option<String>,
    pub verdict: Verdict,
    /// One line from the content file: why the measurement came out this way.
    pub explanation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Right,
    Wrong,
    /// "I don't know", or nothing measured to compare with.
    NotScored,
}

/// A demo's prompt and the explanation of its measurement, as the content
/// files give them (loaded by `content`, shown by this feature).
#[derive(Debug, Clone)]
pub struct PredictionText {
    pub prompt: Prompt,
    pub explanation: String,
}
