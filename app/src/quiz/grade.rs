//! Reads a submitted form into an [`Answer`] and grades it (server only).
//!
//! Every check happens here, before anything is written: an error is a message
//! for the learner, and the request is refused with HTTP 400.

use std::collections::HashSet;

use crate::content::{Question, QuestionKind};
use crate::quiz::types::Answer;

/// Longest accepted text in any field: ids are short slugs, numbers short strings.
pub const MAX_FIELD_LEN: usize = 100;
/// More choices than any question has options is never a real answer.
pub const MAX_CHOICES: usize = 32;

/// Turns the raw form fields into an answer for this question, or says what is wrong.
pub fn parse_answer(
    q: &Question,
    choices: Option<Vec<String>>,
    value: Option<String>,
) -> Result<Answer, String> {
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            if value.is_some() {
                return Err("This question takes one of its options, not a number.".into());
            }
            parse_choices(q, choices.unwrap_or_default()).map(Answer::Choices)
        }
        QuestionKind::Numeric => {
            if choices.is_some() {
                return Err("This question takes a number, not options.".into());
            }
            parse_number(value.as_deref().unwrap_or("")).map(Answer::Number)
        }
    }
}

/// The variant the form answers: required for a question with variants (the
/// numbers it showed), refused for one without.
pub fn parse_variant(q: &Question, variant: Option<&str>) -> Result<Option<u32>, String> {
    match (q.variant_count(), variant.map(str::trim)) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err("This question has no variants.".into()),
        (Some(_), None) => Err(
            "The form did not say which numbers it answers. Reload the page and try again.".into(),
        ),
        (Some(count), Some(text)) => text
            .parse::<u32>()
            .ok()
            .filter(|v| u64::from(*v) < count)
            .map(Some)
            .ok_or_else(|| {
                "Those are not numbers this question shows. Reload the page and try again.".into()
            }),
    }
}

fn parse_choices(q: &Question, choices: Vec<String>) -> Result<Vec<String>, String> {
    if choices.len() > MAX_CHOICES {
        return Err("Too many options chosen.".into());
    }
    let mut seen = HashSet::new();
    for id in &choices {
        if id.len() > MAX_FIELD_LEN || !q.options.iter().any(|o| &o.id == id) {
            return Err("One of the chosen options is not an option of this question.".into());
        }
        if !seen.insert(id.as_str()) {
            return Err("Each option can be chosen only once.".into());
        }
    }
    match (q.kind, choices.len()) {
        (QuestionKind::Single, 0) => Err("Choose one option.".into()),
        (QuestionKind::Single, 1) => Ok(choices),
        (QuestionKind::Single, _) => {
            Err("Choose only one option: this question has a single answer.".into())
        }
        (_, 0) => Err("Choose at least one option.".into()),
        _ => Ok(choices),
    }
}

fn parse_number(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter a number.".into());
    }
    if text.len() > MAX_FIELD_LEN {
        return Err("That number is too long.".into());
    }
    let value: f64 = text.parse().map_err(|_| {
        "That is not a number. Use digits, a dot for decimals (e.g. 0.5) and no unit.".to_string()
    })?;
    if !value.is_finite() {
        return Err("Enter a finite number.".into());
    }
    Ok(value)
}

/// Whether the answer is right: the exact set of correct options, or a number within
/// the tolerance. A question with variants must be instantiated first.
pub fn is_correct(q: &Question, answer: &Answer) -> bool {
    match answer {
        Answer::Choices(ids) => {
            let chosen: HashSet<&str> = ids.iter().map(String::as_str).collect();
            let correct: HashSet<&str> = q
                .options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.id.as_str())
                .collect();
            chosen == correct
        }
        Answer::Number(v) => q
            .numeric()
            .is_some_and(|n| within(*v, n.value, n.tolerance)),
    }
}

pub use crate::content::within;

#[cfg(test)]
mod tests;
