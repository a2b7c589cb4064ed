//! Server functions of spaced review and mastery. Both only read: answering a
//! review question goes through the quiz's `submit_answer`.

use leptos::prelude::*;

use super::types::{ReviewView, StudyStatus};
use crate::request::FormError;

/// Mastery per lesson, what is due and where to go next.
#[server(prefix = "/api", endpoint = "review/status")]
pub async fn get_study_status() -> Result<StudyStatus, FormError> {
    let state = crate::state::server_state()?;
    let (_, records, cards) = load(&state).await?;
    Ok(super::standing::study_status(
        &state.content,
        &records,
        &cards,
    ))
}

/// The learner's mastery of lesson `slug`, for the badge under its title
/// (sent with the lesson, see `get_lesson`).
#[cfg(feature = "ssr")]
pub async fn learner_level(slug: &str) -> Result<super::Mastery, FormError> {
    use super::standing::{by_question, lesson_mastery};

    let state = crate::state::server_state()?;
    let (_, records, cards) = load(&state).await?;
    Ok(lesson_mastery(
        &state.content,
        slug,
        &by_question(&records),
        &cards.reviews_passed,
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
    let (learner, records, cards) = load(&state).await?;
    let content = &state.content;
    let due = due_questions(content, &cards);
    let records = by_question(&records);
    let item = |slug: &str, q: &crate::content::Question, answered: bool| {
        let lesson = content.lesson(slug)?;
        let record = records.get(q.id.as_str()).copied();
        // Just answered: the numbers answered, with the feedback. Due: the
        // numbers drawn for the next attempt.
        let question = if answered {
            let r = record?;
            let variant = r.latest_variant.and_then(|v| u32::try_from(v).ok());
            let shown = q.instance(variant).ok()?;
            views::question_view(&shown, Some(feedback::latest(q, r)?))
        } else {
            let attempts = record.map_or(0, |r| r.attempts);
            let shown = q.instance(q.pick_variant(learner, attempts)).ok()?;
            views::question_view(&shown, None)
        };
        Some(ReviewItem {
            lesson_slug: lesson.slug.clone(),
            lesson_title: lesson.title.clone(),
            lesson_order: lesson.order,
            question,
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
    let next_due_in = cards
        .next_due
        .as_deref()
        .and_then(|at| super::due_in::due_in(at, state.clock.now()));
    Ok(ReviewView {
        due: due.len(),
        next_due_in,
        next_due: cards.next_due,
        current,
    })
}

/// The learner, their latest answers and review cards (none for a browser that
/// has never answered).
#[cfg(feature = "ssr")]
async fn load(
    state: &crate::state::ServerState,
) -> Result<
    (
        Option<i64>,
        Vec<lab_storage::attempts::QuestionRecord>,
        super::db::Standing,
    ),
    FormError,
> {
    use super::db;

    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| FormError::internal("reading the learner failed", e))?;
    let (records, cards) = match learner {
        Some(id) => (
            lab_storage::attempts::question_records(&state.pool, id)
                .await
                .map_err(|e| FormError::internal("reading attempts failed", e))?,
            db::cards(&state.pool, id)
                .await
                .map_err(|e| FormError::internal("reading review cards failed", e))?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    Ok((learner, records, db::standing(&cards, state.clock.now())))
}
