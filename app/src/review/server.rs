//! Server functions of spaced review and mastery. Both only read: answering a
//! review question goes through the quiz's `submit_answer`.

use leptos::prelude::*;

use super::types::{ReviewView, StudyStatus};
use crate::request::FormError;

/// Mastery per lesson, what is due and where to go next.
#[server(prefix = "/api", endpoint = "review/status")]
pub async fn get_study_status() -> Result<StudyStatus, FormError> {
    let state = crate::state::server_state()?;
    let (records, cards) = load(&state).await?;
    Ok(super::standing::study_status(
        &state.content,
        &records,
        &cards,
    ))
}

/// `/review`: the first due question, or (`answered`, after a plain form post)
/// the question just answered with its feedback.
#[server(prefix = "/api", endpoint = "review/next")]
pub async fn get_review(answered: Option<String>) -> Result<ReviewView, FormError> {
    use super::standing::{by_question, due_questions};
    use super::types::ReviewItem;
    use crate::quiz::{feedback, views};

    let state = crate::state::server_state()?;
    let (records, cards) = load(&state).await?;
    let content = &state.content;
    let due = due_questions(content, &cards);
    let records = by_question(&records);
    let item = |slug: &str, q: &crate::content::Question, answered: bool| {
        let lesson = content.lesson(slug)?;
        let latest = if answered {
            Some(feedback::latest(q, records.get(q.id.as_str())?)?)
        } else {
            None
        };
        Some(ReviewItem {
            lesson_slug: lesson.slug.clone(),
            lesson_title: lesson.title.clone(),
            lesson_order: lesson.order,
            question: views::question_view(q, latest),
            answered,
        })
    };
    let just_answered = answered
        .as_deref()
        .filter(|id| id.len() <= crate::quiz::grade::MAX_FIELD_LEN)
        .and_then(|id| content.question(id))
        .and_then(|(slug, q)| item(slug, q, true));
    let current = just_answered.or_else(|| {
        due.first()
            .and_then(|(lesson, q)| item(&lesson.slug, q, false))
    });
    Ok(ReviewView {
        due: due.len(),
        next_due: cards.next_due,
        current,
    })
}

/// The learner's latest answers and review cards (none for a browser that has
/// never answered).
#[cfg(feature = "ssr")]
async fn load(
    state: &crate::state::ServerState,
) -> Result<(Vec<crate::quiz::db::QuestionRecord>, super::db::Standing), FormError> {
    use super::db;

    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| FormError::internal("reading the learner failed", e))?;
    let (records, cards) = match learner {
        Some(id) => (
            crate::quiz::db::question_records(&state.pool, id)
                .await
                .map_err(|e| FormError::internal("reading attempts failed", e))?,
            db::cards(&state.pool, id)
                .await
                .map_err(|e| FormError::internal("reading review cards failed", e))?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    Ok((records, db::standing(&cards, state.clock.now())))
}
