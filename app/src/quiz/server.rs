//! Server functions of the practice questions, at stable URLs (the forms post to
//! them without JavaScript, and the HTTP tests call them directly).

use leptos::prelude::*;

use super::types::{Feedback, QuestionView};
use crate::request::FormError;

/// The questions of a lesson, each with this learner's latest feedback.
#[server(prefix = "/api", endpoint = "quiz/questions")]
pub async fn list_questions(slug: String) -> Result<Vec<QuestionView>, FormError> {
    use std::collections::HashMap;

    use super::views;
    use lab_storage::attempts as db;

    let state = crate::state::server_state()?;
    if state.content.lesson(&slug).is_none() {
        return Err(FormError::reject(None, "There is no such lesson."));
    }
    let question_views = super::view_cache::shared()?;
    let questions = state.content.questions_for(&slug);
    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| FormError::internal("reading the learner failed", e))?;
    let records = match learner {
        Some(id) => db::question_records(&state.pool, id)
            .await
            .map_err(|e| FormError::internal("reading attempts failed", e))?,
        None => Vec::new(),
    };
    let latest: HashMap<&str, &db::QuestionRecord> = records
        .iter()
        .map(|r| (r.question_id.as_str(), r))
        .collect();
    questions
        .iter()
        .map(|q| {
            let record = latest.get(q.id.as_str()).copied();
            views::learner_view(q, learner, record, &question_views)
                .map_err(|e| FormError::internal("a question variant failed", e))
        })
        .collect()
}

/// Checks and stores an answer, and returns the feedback. Form fields: `question_id`,
/// `choices[]` (one per chosen option) or `value` (a number), `variant` for a
/// question with variants (the numbers shown), and `review` when the form is on
/// `/review`. All are optional so that a missing one is a clear
/// 400, never a failed deserialisation.
#[server(prefix = "/api", endpoint = "quiz/answer")]
pub async fn submit_answer(
    question_id: Option<String>,
    choices: Option<Vec<String>>,
    value: Option<String>,
    variant: Option<String>,
    review: Option<String>,
) -> Result<Feedback, FormError> {
    use super::answer::{answer, AnswerForm};
    use super::grade;
    use crate::request::redirect_back;

    let anchor = question_id
        .as_deref()
        .filter(|id| {
            id.len() <= grade::MAX_FIELD_LEN
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(|id| format!("q-{id}"))
        .unwrap_or_else(|| "practice".into());
    let result = match crate::state::server_state() {
        Ok(state) => {
            let form = AnswerForm {
                question_id,
                choices,
                value,
                variant,
            };
            answer(&state, form).await
        }
        Err(e) => Err(e.into()),
    };
    match (&result, review.is_some()) {
        // From `/review`: back to the answered question with its feedback (the
        // next due one replaces it in the plain `/review`).
        (Ok(feedback), true) => crate::request::redirect(&format!(
            "/review?answered={}#{anchor}",
            feedback.question_id
        )),
        _ => redirect_back(
            <SubmitAnswer as leptos::server_fn::ServerFn>::PATH,
            &anchor,
            result.as_ref().err(),
        ),
    }
    result
}
