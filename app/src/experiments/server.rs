//! Server functions of the experiments panel (explicit, stable endpoints).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::types::{DevicesView, RunSummary, SavedRun};

/// What starting an experiment answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StartReply {
    /// Queued; follow `/api/lab/jobs/{job_id}/events`. The id is also the run's id.
    Started { job_id: String },
    /// Not started: a bad parameter (named by `field`), no GPU, or a full queue.
    Refused {
        field: Option<String>,
        message: String,
    },
}

/// Starts a run or a sweep from the panel form. `action` is the pressed button:
/// `gpu`, `cpu`, `both` (a single run on those devices), `n-sweep` or `batch-sweep`
/// (on `device`). With JavaScript it answers at once and the page follows the job's
/// progress; a plain form post (no JavaScript) waits for the result and is
/// redirected to the saved run's page.
#[server(prefix = "/api", endpoint = "lab/start")]
pub async fn start_experiment(
    action: String,
    model: String,
    n: String,
    b: String,
    device: String,
    threads: String,
    repeats: String,
) -> Result<StartReply, ServerFnError> {
    use super::query::{encode, PanelSettings};
    use super::types::{DeviceChoice, ModelPreset};

    let form = super::form::FormInput {
        action,
        model,
        n,
        b,
        device,
        threads,
        repeats,
    };
    let plain_form_post = accepts_html();
    let settings = PanelSettings {
        model: ModelPreset::from_name(&form.model).unwrap_or_default(),
        n: form.n.clone(),
        b: form.b.clone(),
        device: DeviceChoice::from_name(&form.device).unwrap_or_default(),
        threads: form.threads.clone(),
        repeats: form.repeats.clone(),
    };
    let refuse = |field: Option<String>, message: String| {
        if plain_form_post {
            leptos_axum::redirect(&format!(
                "/lab?{}&error={}",
                settings.to_query(),
                encode(&message)
            ));
        }
        Ok(StartReply::Refused { field, message })
    };
    let request = match form.request() {
        Ok(r) => r,
        Err((field, message)) => return refuse(Some(field.to_string()), message),
    };
    let state = crate::state::server_state()?;
    let learner = crate::learner::current_or_new_learner(&state.pool)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "learner for a lab run");
            ServerFnError::new("could not identify you; try again")
        })?;
    let job = match state.lab.submit(request, Some(learner)) {
        Ok(job) => job,
        Err(e) => return refuse(e.field().map(str::to_string), e.public_message()),
    };
    if !plain_form_post {
        return Ok(StartReply::Started { job_id: job.id });
    }
    let id = job.id.clone();
    match job.outcome().await {
        Ok(_) => {
            leptos_axum::redirect(&format!("/lab/runs/{id}"));
            Ok(StartReply::Started { job_id: id })
        }
        Err(e) => refuse(e.field().map(str::to_string), e.public_message()),
    }
}

/// True for a plain HTML form post (no JavaScript): it wants a page back.
#[cfg(feature = "ssr")]
fn accepts_html() -> bool {
    use_context::<axum::http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Asks a queued or running experiment to stop; `false` when it already finished.
#[server(prefix = "/api", endpoint = "lab/cancel")]
pub async fn cancel_experiment(job_id: String) -> Result<bool, ServerFnError> {
    Ok(crate::state::lab()?.cancel(&job_id))
}

/// A saved run by id (anyone with the link may read it).
#[server(prefix = "/api", endpoint = "lab/run")]
pub async fn get_run(id: String) -> Result<Option<SavedRun>, ServerFnError> {
    let pool = crate::state::pool()?;
    super::store::load_run(&pool, &id).await.map_err(|e| {
        tracing::error!(error = %e, run = %id, "loading a run");
        ServerFnError::new("the run could not be loaded")
    })
}

/// The current learner's latest runs (none before their first run).
#[server(prefix = "/api", endpoint = "lab/history")]
pub async fn run_history() -> Result<Vec<RunSummary>, ServerFnError> {
    let pool = crate::state::pool()?;
    let learner = crate::learner::current_learner(&pool).await.map_err(|e| {
        tracing::error!(error = %e, "learner for the run history");
        ServerFnError::new("the history could not be loaded")
    })?;
    let Some(learner) = learner else {
        return Ok(Vec::new());
    };
    super::store::history(&pool, learner).await.map_err(|e| {
        tracing::error!(error = %e, "loading the run history");
        ServerFnError::new("the history could not be loaded")
    })
}

/// The adapters, under `visible` (a `LAB_VISIBLE_DEVICES`-style string) or the
/// server setting.
#[server(prefix = "/api", endpoint = "lab/devices")]
pub async fn lab_devices(visible: Option<String>) -> Result<DevicesView, ServerFnError> {
    crate::state::lab()?
        .devices(visible)
        .await
        .map_err(|e| ServerFnError::new(e.public_message()))
}
