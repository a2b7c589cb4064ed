//! Plain JSON routes beside the leptos pages.

mod classes;
mod devices;
mod experiments;
mod health;
mod json_object;
mod progress;

use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/devices", get(devices::list))
        .route("/api/experiments", post(experiments::run))
        .route("/api/experiments/sweeps", post(experiments::sweep))
        .route("/api/experiments/{id}", get(experiments::saved))
        .route("/api/lab/queue", get(experiments::queue))
        .route("/progress.json", get(progress::download))
        .route("/teach/{secret}/{file}", get(classes::download))
}

/// Progress streams: open as long as their job runs, so no request timeout.
pub(crate) fn stream_routes() -> Router<AppState> {
    Router::new().route("/api/lab/jobs/{id}/events", get(experiments::events))
}
