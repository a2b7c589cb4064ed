//! Server functions and helpers of predictions. A demo's own server function
//! reads the guess before it runs (`guess_from`) and stores it with the
//! measurement afterwards (`record`); pages only read.

use leptos::prelude::*;

use super::types::{Outcome, PredictedDemo, PredictionStats, Prompt};
use lab_types::LabError;

#[cfg(feature = "ssr")]
use super::types::{Guess, Measured};
#[cfg(feature = "ssr")]
use crate::experiments::server::refuse;

/// The guess in a demo's form fields, or a refusal naming the `prediction` field.
#[cfg(feature = "ssr")]
pub fn guess_from(
    demo: PredictedDemo,
    prediction: Option<&str>,
    dont_know: Option<&str>,
) -> Result<Guess, LabError> {
    super::score::parse_guess(demo, prediction, dont_know)
        .map_err(|message| LabError::invalid("prediction", message))
}

/// Scores `guess` against `measured` and stores both with the run, for the
/// request's learner (created now if new: the run has already succeeded).
/// Answers the prediction's id.
#[cfg(feature = "ssr")]
pub async fn record(
    demo: PredictedDemo,
    run_ref: &str,
    guess: &Guess,
    measured: &Measured,
) -> Result<i64, LabError> {
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_or_new_learner(&pool)
        .await
        .map_err(|e| refuse(LabError::internal(format!("learner for a prediction: {e}"))))?;
    let correct = super::score::score(guess, measured);
    super::db::insert(&pool, learner, demo, run_ref, guess, measured, correct)
        .await
        .map_err(|e| refuse(LabError::internal(format!("storing a prediction: {e}"))))
}

/// What a demo asks learners to predict (from `content/predictions.toml`).
#[server(prefix = "/api", endpoint = "predictions/prompt")]
pub async fn prediction_prompt(demo: PredictedDemo) -> Result<Prompt, LabError> {
    let content = crate::state::content().map_err(|e| refuse(e.into()))?;
    content
        .prediction(demo)
        .map(|p| p.prompt.clone())
        .ok_or_else(|| refuse(LabError::internal(format!("no prompt for {}", demo.name()))))
}

/// The current learner's prediction `id` beside its measurement; `None` for
/// anyone else's, or one no longer kept (reads only).
#[server(prefix = "/api", endpoint = "predictions/outcome")]
pub async fn prediction_outcome(id: String) -> Result<Option<Outcome>, LabError> {
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    let Ok(id) = id.trim().parse::<i64>() else {
        return Ok(None);
    };
    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| refuse(LabError::internal(format!("learner for a prediction: {e}"))))?;
    let Some(learner) = learner else {
        return Ok(None);
    };
    let stored = super::db::load_own(&state.pool, learner, id)
        .await
        .map_err(|e| refuse(LabError::internal(format!("loading prediction {id}: {e}"))))?;
    Ok(stored.and_then(|p| {
        let text = state.content.prediction(p.demo?)?;
        Some(super::outcome::outcome(text, &p))
    }))
}

/// How often the current learner's predictions were right (for `/progress`).
#[server(prefix = "/api", endpoint = "predictions/stats")]
pub async fn my_prediction_stats() -> Result<PredictionStats, LabError> {
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_learner(&pool).await.map_err(|e| {
        refuse(LabError::internal(format!(
            "learner for prediction stats: {e}"
        )))
    })?;
    match learner {
        Some(id) => super::db::stats(&pool, id)
            .await
            .map_err(|e| refuse(LabError::internal(format!("prediction stats: {e}")))),
        None => Ok(PredictionStats::default()),
    }
}
