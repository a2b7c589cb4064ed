//! Server functions and helpers of predictions. A demo's own server function
//! reads the guess before it runs (`guess_from`) and stores it with the
//! measurement afterwards (`record`); pages only read.

use leptos::prelude::*;

use super::types::{Outcome, PredictedDemo, PredictionStats, Prompt};
use lab_types::LabError;

#[cfg(feature = "ssr")]
use super::types::{Guess, Measured};
#[cfg(feature = "ssr")]
use crate::request::refuse;

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

/// A stored prediction: its id, and the learner it was stored for.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    pub id: i64,
    pub learner: i64,
}

/// Scores `guess` against `measured` and stores both with the run, for the
/// request's learner (created now if new: the run has already succeeded; a
/// client past its budget of new learners gets a 429 and nothing is stored).
/// The error is not yet answered: callers pass it to `refuse` (or their
/// demo's variant of it).
#[cfg(feature = "ssr")]
pub async fn record(
    demo: PredictedDemo,
    run_ref: &str,
    guess: &Guess,
    measured: &Measured,
) -> Result<Recorded, LabError> {
    let state = crate::state::server_state()?;
    let pool = state.pool;
    take_prediction(&state.limits).await?;
    let learner = crate::learner::current_or_new_learner(&pool)
        .await
        .map_err(|e| e.into_lab_error("learner for a prediction"))?;
    let correct = super::score::score(guess, measured);
    let id =
        lab_storage::predictions::insert(&pool, learner, demo, run_ref, guess, measured, correct)
            .await
            .map_err(|e| LabError::failed("storing a prediction", e))?;
    Ok(Recorded { id, learner })
}

/// Whether this client may store a prediction now, taking nothing (before a
/// demo runs).
#[cfg(feature = "ssr")]
pub async fn may_predict(limits: &crate::limits::client::ClientLimits) -> Result<(), LabError> {
    limits
        .predictions
        .check(crate::request::client::client_key())
        .await
        .map_err(too_many_predictions)
}

#[cfg(feature = "ssr")]
async fn take_prediction(limits: &crate::limits::client::ClientLimits) -> Result<(), LabError> {
    limits
        .predictions
        .take(crate::request::client::client_key())
        .await
        .map_err(too_many_predictions)
}

#[cfg(feature = "ssr")]
fn too_many_predictions(retry_after_s: u64) -> LabError {
    LabError::TooFast {
        what: "predictions".into(),
        retry_after_s,
    }
}

/// Scores `learner`'s pending prediction for saved run `run_id` once the run
/// is stored; answers the prediction's id (`None`: no pending prediction, or
/// the run is not saved).
#[cfg(feature = "ssr")]
pub async fn score_pending(
    pool: &lab_storage::db::Db,
    learner: i64,
    run_id: &str,
) -> Result<Option<i64>, LabError> {
    let doing = || format!("scoring the prediction of run {run_id}");
    let Some((id, demo, guess)) = lab_storage::predictions::pending_for_run(pool, learner, run_id)
        .await
        .map_err(|e| refuse(LabError::failed(doing(), e)))?
    else {
        return Ok(None);
    };
    let Some(run) = lab_storage::runs::load_run(pool, run_id)
        .await
        .map_err(|e| refuse(LabError::failed(doing(), e)))?
    else {
        return Ok(None);
    };
    let measured = super::sweeps::measured(demo, &run.result);
    let correct = super::score::score(&guess, &measured);
    lab_storage::predictions::set_measured(pool, id, &measured, correct)
        .await
        .map_err(|e| refuse(LabError::failed(doing(), e)))?;
    Ok(Some(id))
}

/// A lesson sweep's prediction, scored now that its run is saved (a page
/// with JavaScript calls this when the sweep is done; a POST, as scoring
/// writes). `None` when the learner made no prediction for that run.
#[server(prefix = "/api", endpoint = "predictions/score-run")]
pub async fn score_run_prediction(run_id: String) -> Result<Option<Outcome>, LabError> {
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_learner(&pool)
        .await
        .map_err(|e| refuse(LabError::failed("learner for a prediction", e)))?;
    let Some(learner) = learner else {
        return Ok(None);
    };
    match score_pending(&pool, learner, &run_id).await? {
        Some(id) => prediction_outcome(id.to_string()).await,
        None => Ok(None),
    }
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
        .map_err(|e| refuse(LabError::failed("learner for a prediction", e)))?;
    let Some(learner) = learner else {
        return Ok(None);
    };
    let stored = lab_storage::predictions::load_own(&state.pool, learner, id)
        .await
        .map_err(|e| refuse(LabError::failed(format!("loading prediction {id}"), e)))?;
    Ok(stored.and_then(|p| {
        let text = state.content.prediction(p.demo?)?;
        Some(super::outcome::outcome(text, &p))
    }))
}

/// How often the current learner's predictions were right (for `/progress`).
#[server(prefix = "/api", endpoint = "predictions/stats")]
pub async fn my_prediction_stats() -> Result<PredictionStats, LabError> {
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_learner(&pool)
        .await
        .map_err(|e| refuse(LabError::failed("learner for prediction stats", e)))?;
    match learner {
        Some(id) => lab_storage::predictions::stats(&pool, id)
            .await
            .map_err(|e| refuse(LabError::failed("prediction stats", e))),
        None => Ok(PredictionStats::default()),
    }
}
