//! Server functions of the practice questions, at stable URLs (the forms post to
//! them without JavaScript, and the HTTP tests call them directly).

use leptos::prelude::*;

use super::types::{Feedback, QuestionView};
use crate::request::FormError;

/// The questions of a lesson, each with this learner's latest feedback.
#[server(prefix = "/api", endpoint = "quiz/questions")]
pub async fn list_questions(slug: String) -> Result<Vec<QuestionView>, FormError> {
    use std::collections::HashMap;

    use super::{db, views};

    let state = crate::state::server_state()?;
    if state.content.lesson(&slug).is_none() {
        return Err(FormError::reject(None, "There is no such lesson."));
    }
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
            views::learner_view(q, learner, record, &state.question_views)
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
    use super::{db, feedback, grade};
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
    let result = async {
        let state = crate::state::server_state()?;
        let id = question_id.as_deref().unwrap_or("").trim();
        if id.is_empty() {
            return Err(FormError::reject(
                None,
                "The form did not say which question it answers.",
            ));
        }
        let Some((slug, question)) = (id.len() <= grade::MAX_FIELD_LEN)
            .then(|| state.content.question(id))
            .flatten()
        else {
            return Err(FormError::reject(
                None,
                "There is no such question. Reload the page and try again.",
            ));
        };
        let variant = grade::parse_variant(question, variant.as_deref())
            .map_err(|m| FormError::reject(Some(id), m))?;
        let question = question
            .instance(variant)
            .map_err(|e| FormError::internal("a question variant failed", e))?;
        let question = question.as_ref();
        let answer = grade::parse_answer(question, choices, value)
            .map_err(|m| FormError::reject(Some(id), m))?;
        let correct = grade::is_correct(question, &answer);
        let answer_json = serde_json::to_string(&answer)
            .map_err(|e| FormError::internal("encoding the answer failed", e))?;

        // A bounded rate per learner (per address before one exists), checked
        // before anything is written.
        let known = crate::learner::current_learner(&state.pool)
            .await
            .map_err(|e| FormError::internal("identifying the learner failed", e))?;
        state
            .answer_limit
            .check(crate::request::client::owner(known))
            .map_err(|s| FormError::too_fast(crate::request::Pace::Answers, s))?;
        // Only now, with a valid answer, may a learner be created (as fast
        // as the client may create learners).
        let learner_id = crate::learner::current_or_new_learner(&state.pool)
            .await
            .map_err(crate::learner::LearnerError::into_form_error)?;
        if known.is_none() {
            // A new learner's first answer counts toward their own allowance too.
            state.answer_limit.charge_learner(learner_id);
        }
        let attempt = db::NewAttempt {
            learner_id,
            lesson_slug: slug,
            question_id: id,
            answer_json: &answer_json,
            correct,
            variant,
        };
        // The attempt and its review card in one transaction.
        let first_try = db::store_answer(&state.pool, &attempt, state.clock.now())
            .await
            .map_err(|e| FormError::internal("storing the answer failed", e))?;
        Ok(feedback::build(question, answer, correct, first_try))
    }
    .await;
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
