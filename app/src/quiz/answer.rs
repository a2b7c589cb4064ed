//! Answering a question: the flow behind the `submit_answer` server function,
//! as a plain function (the server function reads the form and redirects).

use super::types::Feedback;
use lab_storage::attempts as db;

use super::{feedback, grade};
use crate::request::FormError;
use crate::state::ServerState;

/// The form's fields, as sent (each may be missing: a clear 400, never a
/// failed deserialisation).
pub struct AnswerForm {
    pub question_id: Option<String>,
    pub choices: Option<Vec<String>>,
    pub value: Option<String>,
    pub variant: Option<String>,
}

/// Checks an answer against the content, then (only with a valid answer,
/// within the learner's pace) creates the learner if new, stores the attempt
/// and its review card together, and builds the feedback.
pub async fn answer(state: &ServerState, form: AnswerForm) -> Result<Feedback, FormError> {
    let id = form.question_id.as_deref().unwrap_or("").trim();
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
    let variant = grade::parse_variant(question, form.variant.as_deref())
        .map_err(|m| FormError::reject(Some(id), m))?;
    let question = question
        .instance(variant)
        .map_err(|e| FormError::internal("a question variant failed", e))?;
    let question = question.as_ref();
    let answer = grade::parse_answer(question, form.choices, form.value)
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
        .await
        .map_err(|s| FormError::too_fast(crate::request::Pace::Answers, s))?;
    // Only now, with a valid answer, may a learner be created (as fast
    // as the client may create learners).
    let learner_id = crate::learner::current_or_new_learner(&state.pool)
        .await
        .map_err(crate::learner::LearnerError::into_form_error)?;
    if known.is_none() {
        // A new learner's first answer counts toward their own allowance too.
        state.answer_limit.charge_learner(learner_id).await;
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
