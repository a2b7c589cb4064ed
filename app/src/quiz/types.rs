//! Question and feedback data sent from the server to the page (both sides compile
//! these). HTML fields are rendered on the server from trusted content files.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerKind {
    Single,
    Multiple,
    Numeric,
}

/// One practice question as the form shows it: no correctness, no solution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub id: String,
    pub kind: AnswerKind,
    pub prompt_html: String,
    pub hint_html: Option<String>,
    pub options: Vec<OptionView>,
    /// The unit shown beside a numeric answer.
    pub unit: Option<String>,
    /// For a question with variants: the one shown (its numbers are in the prompt).
    pub variant: Option<u32>,
    /// Feedback on this learner's latest answer, so it survives reloads and works
    /// without JavaScript (a form post redirects back here).
    pub latest: Option<Feedback>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionView {
    pub id: String,
    pub text_html: String,
}

/// A learner's answer, as stored (JSON) and as echoed back to refill the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Choices(Vec<String>),
    Number(f64),
}

impl Answer {
    pub fn has_choice(&self, option_id: &str) -> bool {
        matches!(self, Answer::Choices(ids) if ids.iter().any(|id| id == option_id))
    }

    /// The number as typed back into the input, if this is a numeric answer.
    pub fn number_text(&self) -> Option<String> {
        match self {
            Answer::Number(v) => Some(v.to_string()),
            Answer::Choices(_) => None,
        }
    }
}

/// What the learner sees after answering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feedback {
    pub question_id: String,
    pub correct: bool,
    pub first_try: bool,
    pub answer: Answer,
    /// The rationale of every option the learner chose.
    pub chosen: Vec<ChosenOption>,
    /// Correct options of a "choose all that apply" question that were not chosen
    /// (always 0 for a single-choice question: its chosen option's rationale says it).
    pub missed_correct: usize,
    /// For numeric answers: the matching trap's rationale or a tolerance message.
    pub numeric_html: Option<String>,
    /// The question's hint, shown beside the rationale while the solution waits.
    pub hint_html: Option<String>,
    /// Whether the worked solution below opens at once or on request.
    pub reveal: SolutionReveal,
    pub solution_html: Vec<String>,
    pub answer_html: String,
    pub quick_check_html: String,
    pub mistakes_html: Vec<String>,
    /// For a question with variants: which one was answered, and its numbers
    /// (e.g. `n = 1000, b = 64`), since the form may show new numbers by now.
    pub variant: Option<u32>,
    pub numbers: Option<String>,
}

/// When the worked solution opens. A solution shown with the first "try again"
/// turns the retry into copying; so after a first wrong answer the learner gets
/// the rationale of what they chose and the hint, and the solution stays folded
/// behind "Show the solution" (an explicit choice) until a second wrong answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SolutionReveal {
    Open,
    OnRequest,
}

impl SolutionReveal {
    /// `first_try`: this answer was the learner's first at the question.
    pub fn after(correct: bool, first_try: bool) -> Self {
        if correct || !first_try {
            SolutionReveal::Open
        } else {
            SolutionReveal::OnRequest
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChosenOption {
    pub text_html: String,
    pub correct: bool,
    pub rationale_html: String,
}

impl crate::hydration::Outline for QuestionView {
    /// Without the prompt, hint and option texts (static HTML already in the page).
    fn outline(&self) -> Self {
        QuestionView {
            id: self.id.clone(),
            kind: self.kind,
            prompt_html: String::new(),
            hint_html: self.hint_html.as_ref().map(|_| String::new()),
            options: self
                .options
                .iter()
                .map(|o| OptionView {
                    id: o.id.clone(),
                    text_html: String::new(),
                })
                .collect(),
            unit: self.unit.clone(),
            variant: self.variant,
            latest: self.latest.clone(),
        }
    }
}
