//! Builds what a learner sees after answering, from the question's content (server
//! only). Rebuilt from the stored answer on every page view, so corrected content
//! shows up in old feedback too.

use crate::content::QuestionKind;
use crate::content::{render_inline_html, Question};
use crate::quiz::grade::within;
use crate::quiz::types::{Answer, ChosenOption, Feedback, SolutionReveal};

/// The feedback on a learner's stored latest answer, with the numbers of the
/// variant it answered (none if it cannot be read).
pub fn latest(q: &Question, record: &lab_storage::attempts::QuestionRecord) -> Option<Feedback> {
    let answer = serde_json::from_str(&record.latest_answer).ok()?;
    let variant = record.latest_variant.and_then(|v| u32::try_from(v).ok());
    let q = q.instance(variant).ok()?;
    Some(build(
        &q,
        answer,
        record.latest_correct,
        record.latest_first_try,
    ))
}

/// `q` is the question as the learner saw it (an instance, for one with variants).
pub fn build(q: &Question, answer: Answer, correct: bool, first_try: bool) -> Feedback {
    let (chosen, missed_correct) = match &answer {
        Answer::Choices(ids) => chosen_options(q, ids),
        Answer::Number(_) => (Vec::new(), 0),
    };
    let numeric_html = match &answer {
        Answer::Number(v) => Some(numeric_message(q, *v, correct)),
        Answer::Choices(_) => None,
    };
    Feedback {
        question_id: q.id.clone(),
        correct,
        first_try,
        answer,
        chosen,
        missed_correct,
        numeric_html,
        hint_html: q.hint.as_deref().map(inline_html),
        reveal: SolutionReveal::after(correct, first_try),
        solution_html: q.solution.iter().map(|s| inline_html(s)).collect(),
        answer_html: inline_html(&q.answer),
        quick_check_html: inline_html(&q.quick_check),
        mistakes_html: q.mistakes.iter().map(|m| inline_html(m)).collect(),
        variant: q.drawn.as_ref().map(|n| n.index),
        numbers: q.drawn.as_ref().map(|n| n.describe()),
    }
}

/// The chosen options in the question's order, and how many correct ones were left
/// out of a "choose all that apply" question (a single-choice question has one
/// correct option, and the chosen one's rationale already says it was not it).
fn chosen_options(q: &Question, ids: &[String]) -> (Vec<ChosenOption>, usize) {
    let is_chosen = |id: &str| ids.iter().any(|c| c == id);
    let chosen = q
        .options
        .iter()
        .filter(|o| is_chosen(&o.id))
        .map(|o| ChosenOption {
            text_html: inline_html(&o.text),
            correct: o.correct,
            rationale_html: inline_html(&o.rationale),
        })
        .collect();
    if q.kind != QuestionKind::Multiple {
        return (chosen, 0);
    }
    let missed = q
        .options
        .iter()
        .filter(|o| o.correct && !is_chosen(&o.id))
        .count();
    (chosen, missed)
}

/// For a wrong number, the rationale of a trap it falls on explains the likely
/// mistake; otherwise a plain tolerance message.
fn numeric_message(q: &Question, value: f64, correct: bool) -> String {
    let Some(expected) = q.numeric() else {
        return String::new();
    };
    let unit = if expected.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", escape(&expected.unit))
    };
    if correct {
        return format!(
            "<p>{value}{unit} is within ±{}{unit} of the expected value.</p>",
            expected.tolerance
        );
    }
    let trap = q
        .traps
        .iter()
        .filter_map(|t| Some((t.value.value()?, t)))
        .filter(|(v, _)| within(value, *v, expected.tolerance))
        .min_by(|(a, _), (b, _)| (a - value).abs().total_cmp(&(b - value).abs()))
        .map(|(_, t)| t);
    match trap {
        Some(t) => inline_html(&t.rationale),
        None => format!(
            "<p>{value}{unit} is not within the tolerance (±{}{unit}) of the expected value.</p>",
            expected.tolerance
        ),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Markdown to HTML; a lone paragraph loses its `<p>` so the text can sit inside a
/// label or a list item.
pub fn inline_html(md: &str) -> String {
    let html = render_inline_html(md);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_paragraph_is_unwrapped_but_blocks_are_kept() {
        assert_eq!(inline_html("Use `ceil`"), "Use <code>ceil</code>");
        assert!(inline_html("one\n\ntwo").contains("<p>two</p>"));
    }
}
