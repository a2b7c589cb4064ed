//! `GET /progress.json`: the learner's progress and every attempt, as a download.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;

use crate::error::ApiError;
use crate::state::AppState;

/// Only the learner of the request's cookie; without one the file is empty.
pub(crate) async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let pool = &state.server.pool;
    let learner = app::learner::learner_from_headers(pool, &headers, state.server.secure_cookies)
        .await
        .map_err(|e| ApiError::Internal(format!("reading the learner: {e}")))?;
    let export = app::progress::report::export(pool, &state.server.content, learner)
        .await
        .map_err(|e| ApiError::Internal(format!("reading progress: {e}")))?;
    Ok((
        [
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"inference-lab-progress.json\"",
            ),
            (CACHE_CONTROL, "no-store"),
        ],
        Json(export),
    ))
}
