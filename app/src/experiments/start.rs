//! Starting an experiment from the panel's form: the flow behind the
//! `start_experiment` server function, as plain functions. The server
//! function reads the form, calls these, and answers (or redirects).

use lab_types::{ExperimentRequest, LabError};

use crate::lab::Job;
use crate::predictions::types::{Guess, Measured, PredictedDemo};
use crate::state::ServerState;

/// A lesson sweep's prediction, read before anything runs.
pub type LessonPrediction = Option<(PredictedDemo, Guess)>;

/// Why a start failed, by what the page should do about it.
pub enum StartFailed {
    /// A refusal the form can show: back to the lab with its code.
    Refused(LabError),
    /// Something broke on the server: answered, not redirected.
    Internal(LabError),
}

/// A started job and whose it is.
pub struct Started {
    pub learner: i64,
    pub job: Job,
    pub predicted: LessonPrediction,
}

/// The prediction a lesson's sweep sends (`predict_for` names its demo).
pub fn lesson_prediction(
    predict_for: Option<&str>,
    prediction: Option<&str>,
    dont_know: Option<&str>,
) -> Result<LessonPrediction, LabError> {
    let Some(name) = predict_for.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let demo = PredictedDemo::from_name(name)
        .filter(|d| matches!(d, PredictedDemo::NSweep | PredictedDemo::BatchSweep))
        .ok_or_else(|| LabError::invalid("prediction", "not a lesson sweep"))?;
    let guess = crate::predictions::server::guess_from(demo, prediction, dont_know)?;
    Ok(Some((demo, guess)))
}

/// The demo a pressed button counts as on a class's dashboard.
fn demo_name(action: &str) -> &'static str {
    match action {
        "n-sweep" => "n-sweep",
        "batch-sweep" => "batch-sweep",
        "loop-styles" => "loop-styles",
        _ => "run",
    }
}

/// Checks the request against the lab and the client's budget, then (only
/// then, so a refusal writes nothing and sets no cookie) creates the learner,
/// submits the job, counts the demo and stores the pending prediction.
pub async fn start(
    state: &ServerState,
    request: ExperimentRequest,
    action: &str,
    predicted: LessonPrediction,
) -> Result<Started, StartFailed> {
    use crate::request::client::{client_key, owner};
    let known = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| StartFailed::Internal(LabError::failed("learner for a lab run", e)))?;
    state
        .lab
        .validate(&request, owner(known))
        .await
        .map_err(StartFailed::Refused)?;
    super::server::take_run(&state.limits, client_key())
        .await
        .map_err(StartFailed::Refused)?;
    let learner = crate::learner::current_or_new_learner(&state.pool)
        .await
        .map_err(|e| StartFailed::Refused(e.into_lab_error("learner for a lab run")))?;
    let job = state
        .lab
        .submit(request, owner(Some(learner)))
        .await
        .map_err(StartFailed::Refused)?;
    crate::classes::record_demo(&state.pool, Some(learner), demo_name(action)).await;
    if let Some((demo, guess)) = &predicted {
        lab_storage::predictions::insert(
            &state.pool,
            learner,
            *demo,
            &job.id,
            guess,
            &Measured::Pending,
            None,
        )
        .await
        .map_err(|e| StartFailed::Internal(LabError::failed("storing a prediction", e)))?;
    }
    Ok(Started {
        learner,
        job,
        predicted,
    })
}

/// For a plain form post: waits for the job's saved result, scores its
/// prediction, and answers the run's id and the page to show it on (at the
/// result, `#result`, not the top of its page).
pub async fn finish_plain_post(
    state: &ServerState,
    started: Started,
) -> Result<(String, String), StartFailed> {
    let id = started.job.id.clone();
    started.job.outcome().await.map_err(StartFailed::Refused)?;
    let scored = match started.predicted {
        Some(_) => crate::predictions::server::score_pending(&state.pool, started.learner, &id)
            .await
            .map_err(StartFailed::Internal)?,
        None => None,
    };
    let page = match scored {
        Some(p) => format!("/lab/runs/{id}?prediction={p}#result"),
        None => format!("/lab/runs/{id}#result"),
    };
    Ok((id, page))
}
