//! `GET /api/devices[?visible=1,0]`: the adapters and which are visible.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use app::experiments::types::DevicesView;

use super::experiments::lab_error;
use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicesQuery {
    /// A `LAB_VISIBLE_DEVICES`-style override for this request ("" hides every GPU).
    visible: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    query: Result<Query<DevicesQuery>, QueryRejection>,
) -> Result<Json<DevicesView>, ApiError> {
    let Query(q) = query.map_err(|r| ApiError::Rejected {
        status: r.status(),
        field: None,
        message: r.body_text(),
    })?;
    state
        .server
        .lab
        .devices(q.visible)
        .await
        .map(Json)
        .map_err(lab_error)
}
