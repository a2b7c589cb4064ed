//! The experiments JSON API for scripts, and the progress stream the page follows.
//!
//! - `POST /api/experiments`: a run (the engine's `RunParams` as JSON) → its result.
//! - `POST /api/experiments/sweeps`: a sweep (`SweepParams`) → its result.
//!
//! Both wait for the result and answer it (200). The request is what keeps the
//! job alive: a client that disconnects (or times out) before the answer
//! leaves a job nobody follows, and the lab cancels it after a short grace
//! period. Cookieless calls share one client address's share of the lab: one
//! running and one waiting job, further ones get 429 with `Retry-After`.
//! - `GET /api/experiments/{id}`: a saved run or sweep.
//! - `GET /api/lab/queue`: how many experiments run and wait.
//! - `GET /api/lab/jobs/{id}/events`: server-sent events with the job's `JobStatus`.

use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::http::Extensions;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures::Stream;
use serde::Serialize;

use app::lab::{ClientKey, Job, Owner};
use lab_types::{ExperimentRequest, ExperimentResult, QueueView, RunParams, SavedRun, SweepParams};

use super::json_object::JsonObject;
use crate::error::ApiError;
use crate::state::AppState;

/// A finished experiment: its result and where it can be shared.
#[derive(Debug, Serialize)]
pub(crate) struct Created {
    pub id: String,
    /// The run's page (`/lab/runs/{id}`), readable by anyone.
    pub url: String,
    pub result: ExperimentResult,
}

async fn submit_and_wait(
    state: &AppState,
    extensions: &Extensions,
    request: ExperimentRequest,
) -> Result<Json<Created>, ApiError> {
    let client = ClientKey::of(app::request::client::address_of(extensions));
    let owner = Owner::new(None, client);
    // Refusals first, so that only a run that will be saved spends a token.
    state.server.lab.validate(&request, owner).await?;
    app::experiments::server::take_run(&state.server.limits, client).await?;
    let job = state.server.lab.submit(request, owner).await?;
    let id = job.id.clone();
    let result = job.outcome().await?;
    Ok(Json(Created {
        url: format!("/lab/runs/{id}"),
        id,
        result,
    }))
}

pub(crate) async fn run(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonObject(params): JsonObject<RunParams>,
) -> Result<Json<Created>, ApiError> {
    submit_and_wait(&state, &extensions, ExperimentRequest::Run(params)).await
}

pub(crate) async fn sweep(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonObject(params): JsonObject<SweepParams>,
) -> Result<Json<Created>, ApiError> {
    submit_and_wait(&state, &extensions, ExperimentRequest::Sweep(params)).await
}

pub(crate) async fn saved(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SavedRun>, ApiError> {
    lab_storage::runs::load_run(&state.server.pool, &id)
        .await
        .map_err(|e| ApiError::Internal(format!("loading run {id}: {e}")))?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no run with id '{id}'")))
}

pub(crate) async fn queue(State(state): State<AppState>) -> Json<QueueView> {
    Json(state.server.lab.queue().await)
}

/// The job's status now, then at every change, ending after the final one.
pub(crate) async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let job = state.server.lab.job(&id).await.ok_or_else(|| {
        ApiError::NotFound(
            "no such experiment in progress (finished ones are kept 15 minutes)".into(),
        )
    })?;
    let stopping = state.server.lab.stopping();
    Ok(Sse::new(status_stream(job, stopping)).keep_alive(KeepAlive::default()))
}

/// Holding the job is what tells the lab that someone follows it; the stream
/// ends after the final status, or when the server shuts down.
fn status_stream(
    job: Job,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold(Some((job, stopping, true)), |state| async move {
        let (mut job, mut stopping, first) = state?;
        if !first {
            tokio::select! {
                changed = job.changed() => if !changed { return None },
                _ = stopping.wait_for(|s| *s) => return None,
            }
        }
        let status = job.state().status(&job.id);
        let event = Event::default()
            .json_data(&status)
            .unwrap_or_else(|_| Event::default().data("{}"));
        let next = (!status.is_final()).then_some((job, stopping, false));
        Some((Ok(event), next))
    })
}
