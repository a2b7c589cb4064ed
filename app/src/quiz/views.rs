//! Content questions → what the form shows (server only). Correctness, rationales
//! and solutions stay on the server until the learner has answered.

use crate::content::{Question, QuestionKind};
use crate::quiz::feedback::inline_html;
use crate::quiz::types::{AnswerKind, Feedback, OptionView, QuestionView};

/// `q` as the learner is to see it: an instance, for a question with variants.
pub fn question_view(q: &Question, latest: Option<Feedback>) -> QuestionView {
    QuestionView {
        id: q.id.clone(),
        kind: match q.kind {
            QuestionKind::Single => AnswerKind::Single,
            QuestionKind::Multiple => AnswerKind::Multiple,
            QuestionKind::Numeric => AnswerKind::Numeric,
        },
        prompt_html: crate::content::render_inline_html(&q.prompt),
        hint_html: q
            .hint
            .as_deref()
            .filter(|h| !h.trim().is_empty())
            .map(inline_html),
        options: q
            .options
            .iter()
            .map(|o| OptionView {
                id: o.id.clone(),
                text_html: inline_html(&o.text),
            })
            .collect(),
        unit: q.numeric().map(|n| n.unit).filter(|u| !u.is_empty()),
        variant: q.drawn.as_ref().map(|n| n.index),
        latest,
    }
}

/// The question as a learner sees it next: the variant drawn for their next
/// attempt (rendered once, kept in `cache`), with the feedback on their latest
/// answer (to its own numbers).
pub fn learner_view(
    q: &Question,
    learner: Option<i64>,
    record: Option<&lab_storage::attempts::QuestionRecord>,
    cache: &crate::quiz::ViewCache,
) -> Result<QuestionView, String> {
    let attempts = record.map_or(0, |r| r.attempts);
    let mut view = (*cache.view(q, q.pick_variant(learner, attempts))?).clone();
    view.latest = record.and_then(|r| crate::quiz::feedback::latest(q, r));
    Ok(view)
}
