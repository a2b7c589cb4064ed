//! Practice questions: `content/questions/<lesson-slug>.toml`, a `[[questions]]` list.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::error::{check_ident, check_non_empty, files_with_ext, ContentError};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Exactly one correct option.
    Single,
    /// "Choose all that apply": one or more correct options.
    Multiple,
    /// A number, accepted within a tolerance.
    Numeric,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionOption {
    pub id: String,
    pub text: String,
    pub correct: bool,
    pub rationale: String,
}

/// A likely wrong number, with the explanation shown when a learner gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trap {
    pub value: f64,
    pub rationale: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NumericAnswer {
    pub value: f64,
    pub tolerance: f64,
    pub unit: String,
}

/// One question as written in the file; validated by [`check`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(default)]
    pub hint: Option<String>,
    pub solution: Vec<String>,
    pub answer: String,
    pub quick_check: String,
    #[serde(default)]
    pub mistakes: Vec<String>,
    #[serde(default)]
    pub options: Vec<QuestionOption>,
    #[serde(default)]
    value: Option<f64>,
    #[serde(default)]
    tolerance: Option<f64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    pub traps: Vec<Trap>,
}

impl Question {
    /// The expected number of a numeric question (`None` for choice questions).
    pub fn numeric(&self) -> Option<NumericAnswer> {
        Some(NumericAnswer {
            value: self.value?,
            tolerance: self.tolerance?,
            unit: self.unit.clone().unwrap_or_default(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    questions: Vec<Question>,
}

pub(super) fn load_dir(
    dir: &Path,
    lesson_slugs: &HashSet<&str>,
) -> Result<HashMap<String, Vec<Question>>, ContentError> {
    let mut by_lesson = HashMap::new();
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    for file in files_with_ext(dir, "toml")? {
        let slug = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !lesson_slugs.contains(slug.as_str()) {
            return Err(ContentError::invalid(
                &file,
                "file name",
                format!(
                    "no lesson has the slug '{slug}' (a question file is named after its lesson)"
                ),
            ));
        }
        let text = std::fs::read_to_string(&file).map_err(|e| ContentError::io(&file, e))?;
        let parsed: QuestionFile = toml::from_str(&text)
            .map_err(|e| ContentError::invalid(&file, "toml", e.message().to_string()))?;
        for q in &parsed.questions {
            check(&file, q)?;
            if let Some(other) = seen_ids.insert(q.id.clone(), slug.clone()) {
                return Err(ContentError::invalid(
                    &file,
                    format!("question '{}'", q.id),
                    format!("duplicate id, already used in {other}.toml"),
                ));
            }
        }
        by_lesson.insert(slug, parsed.questions);
    }
    Ok(by_lesson)
}

/// The rules a question must follow; every error names the question and the field.
pub(super) fn check(file: &Path, q: &Question) -> Result<(), ContentError> {
    let field = |f: &str| format!("question '{}': {f}", q.id);
    let bad = |f: &str, msg: String| Err(ContentError::invalid(file, field(f), msg));
    check_ident(file, "question id", &q.id)?;
    check_non_empty(file, &field("prompt"), &q.prompt)?;
    check_non_empty(file, &field("answer"), &q.answer)?;
    check_non_empty(file, &field("quick_check"), &q.quick_check)?;
    if q.solution.is_empty() || q.solution.iter().any(|s| s.trim().is_empty()) {
        return bad("solution", "needs at least one non-empty step".into());
    }
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            if q.value.is_some() || q.tolerance.is_some() || !q.traps.is_empty() {
                return bad(
                    "value",
                    "choice questions take options, not value/tolerance/traps".into(),
                );
            }
            if q.options.len() < 2 {
                return bad(
                    "options",
                    format!("needs at least 2 options, has {}", q.options.len()),
                );
            }
            let mut ids = HashSet::new();
            for o in &q.options {
                check_ident(file, &field("options.id"), &o.id)?;
                if !ids.insert(o.id.as_str()) {
                    return bad("options", format!("duplicate option id '{}'", o.id));
                }
                check_non_empty(file, &field(&format!("option '{}' text", o.id)), &o.text)?;
                check_non_empty(
                    file,
                    &field(&format!("option '{}' rationale", o.id)),
                    &o.rationale,
                )?;
            }
            let correct = q.options.iter().filter(|o| o.correct).count();
            if q.kind == QuestionKind::Single && correct != 1 {
                return bad(
                    "options",
                    format!(
                        "a single-choice question needs exactly one correct option, has {correct}"
                    ),
                );
            }
            if q.kind == QuestionKind::Multiple && correct == 0 {
                return bad(
                    "options",
                    "a multiple-select question needs at least one correct option".into(),
                );
            }
        }
        QuestionKind::Numeric => {
            if !q.options.is_empty() {
                return bad(
                    "options",
                    "numeric questions take value and tolerance, not options".into(),
                );
            }
            match (q.value, q.tolerance) {
                (Some(v), Some(t)) if v.is_finite() && t.is_finite() && t > 0.0 => {}
                (None, _) => return bad("value", "a numeric question needs a value".into()),
                _ => {
                    return bad(
                        "tolerance",
                        "a numeric question needs a finite tolerance > 0".into(),
                    )
                }
            }
            for t in &q.traps {
                check_non_empty(file, &field("traps.rationale"), &t.rationale)?;
            }
        }
    }
    Ok(())
}
