//! Server functions of the experiments panel (explicit, stable endpoints). Their
//! error is the lab's own [`LabError`]: a refusal names its field and carries
//! its HTTP status; an internal failure is logged and shown only as a generic line.

// A server function's arguments are its form's fields: `start_experiment` has
// eleven, and the macro's generated code does not carry an item-level `allow`.
#![allow(clippy::too_many_arguments)]

use lab_types::{DeviceList, LabError, RunSummary, SavedRun};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::request::refuse;

/// Takes a token from the client's budget of saved runs and sweeps (see
/// `ClientRates::runs`): a tiny run on the CPU takes microseconds, so
/// without it one client could save thousands of rows a minute.
#[cfg(feature = "ssr")]
pub async fn take_run(
    limits: &crate::limits::client::ClientLimits,
    client: crate::lab::ClientKey,
) -> Result<(), LabError> {
    limits
        .runs
        .take(client)
        .await
        .map_err(|retry_after_s| LabError::TooFast {
            what: "runs".into(),
            retry_after_s,
        })
}

/// Starts a run or a sweep from the panel form and answers its job id (also the
/// id of the run it saves). `action` is the pressed button: `gpu`, `cpu`, `both`
/// (a single run on those devices), `n-sweep`, `batch-sweep` or `loop-styles`
/// (the same n and b once per GPU loop style) on `device`. `loop_style` (absent
/// from lesson panels: round trips) is how runs and sweeps drive the GPU.
/// With JavaScript it answers at once and the page follows the job's progress; a
/// plain form post (no JavaScript) waits for the result and is redirected to the
/// saved run's page, or back to the lab with the error.
///
/// A lesson's sweep sends `predict_for` (its demo) with the learner's
/// `prediction`: stored with the run before it starts and scored once it is
/// saved (here for a plain form post, else by `score_run_prediction`).
#[server(prefix = "/api", endpoint = "lab/start")]
pub async fn start_experiment(
    action: String,
    model: String,
    n: String,
    b: String,
    device: String,
    threads: String,
    repeats: String,
    predict_for: Option<String>,
    prediction: Option<String>,
    dont_know: Option<String>,
    loop_style: Option<String>,
) -> Result<String, LabError> {
    use super::query::PanelSettings;
    use super::start::StartFailed;
    use crate::request::{is_plain_form_post, redirect};
    use lab_types::{DeviceChoice, LoopStyle, Preset};

    let form = super::form::FormInput {
        action,
        model,
        n,
        b,
        device,
        threads,
        repeats,
        loop_style: loop_style.unwrap_or_default(),
    };
    let settings = PanelSettings {
        model: Preset::from_name(&form.model).unwrap_or_default(),
        n: form.n.clone(),
        b: form.b.clone(),
        device: DeviceChoice::from_name(&form.device).unwrap_or_default(),
        threads: form.threads.clone(),
        repeats: form.repeats.clone(),
        loop_style: LoopStyle::from_name(form.loop_style.trim()).unwrap_or_default(),
    };
    let back_to_lab = |e: LabError| {
        redirect(&format!(
            "/lab?{}&{}",
            settings.to_query(),
            super::error_code::to_query(&e)
        ));
        refuse(e)
    };
    let request = form
        .request()
        .map_err(|(field, message)| back_to_lab(LabError::invalid(field, message)))?;
    let predicted = super::start::lesson_prediction(
        predict_for.as_deref(),
        prediction.as_deref(),
        dont_know.as_deref(),
    )
    .map_err(back_to_lab)?;
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    let answer = |failed: StartFailed| match failed {
        StartFailed::Refused(e) => back_to_lab(e),
        StartFailed::Internal(e) => refuse(e),
    };
    let started = super::start::start(&state, request, &form.action, predicted)
        .await
        .map_err(answer)?;
    if !is_plain_form_post() {
        return Ok(started.job.id);
    }
    let (id, page) = super::start::finish_plain_post(&state, started)
        .await
        .map_err(answer)?;
    redirect(&page);
    Ok(id)
}

/// Asks one of this learner's queued or running experiments to stop; `false`
/// when it already finished or is not theirs (only who started it may stop it).
#[server(prefix = "/api", endpoint = "lab/cancel")]
pub async fn cancel_experiment(job_id: String) -> Result<bool, LabError> {
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| refuse(LabError::failed("learner for a cancel", e)))?;
    Ok(match learner {
        Some(id) => {
            state
                .lab
                .cancel(&job_id, crate::request::client::owner(Some(id)))
                .await
        }
        None => false,
    })
}

/// A saved run by id (anyone with the link may read it).
#[server(prefix = "/api", endpoint = "lab/run")]
pub async fn get_run(id: String) -> Result<Option<SavedRun>, LabError> {
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    lab_storage::runs::load_run(&pool, &id)
        .await
        .map_err(|e| refuse(LabError::failed(format!("loading run {id}"), e)))
}

/// The current learner's latest runs (none before their first run).
#[server(prefix = "/api", endpoint = "lab/history")]
pub async fn run_history() -> Result<Vec<RunSummary>, LabError> {
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_learner(&pool)
        .await
        .map_err(|e| refuse(LabError::failed("learner for the run history", e)))?;
    let Some(learner) = learner else {
        return Ok(Vec::new());
    };
    lab_storage::runs::history(&pool, learner)
        .await
        .map_err(|e| refuse(LabError::failed("loading the run history", e)))
}

/// The adapters, under `visible` (a `LAB_VISIBLE_DEVICES`-style string) or the
/// server setting.
#[server(prefix = "/api", endpoint = "lab/devices")]
pub async fn lab_devices(visible: Option<String>) -> Result<DeviceList, LabError> {
    let lab = crate::state::lab().map_err(|e| refuse(e.into()))?;
    lab.devices(visible).await.map_err(refuse)
}

/// How long the panel's experiment should take, from this server's newest
/// measurements (`None`: nothing to estimate from yet). The fields are the
/// panel form's; nothing is queued or saved.
#[server(prefix = "/api", endpoint = "lab/estimate")]
pub async fn estimate_experiment(
    action: String,
    model: String,
    n: String,
    b: String,
    device: String,
    threads: String,
    repeats: String,
    loop_style: Option<String>,
) -> Result<Option<super::estimate::Estimate>, LabError> {
    let form = super::form::FormInput {
        action,
        model,
        n,
        b,
        device,
        threads,
        repeats,
        loop_style: loop_style.unwrap_or_default(),
    };
    let Ok(request) = form.request() else {
        return Ok(None);
    };
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let results = lab_storage::runs::recent_results(&pool, super::estimate::RECENT_RESULTS)
        .await
        .map_err(|e| refuse(LabError::failed("loading runs to estimate", e)))?;
    Ok(super::estimate::estimate(
        &request,
        &super::estimate::samples(&results),
    ))
}
