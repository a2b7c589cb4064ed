//! `GET /api/devices[?visible=1,0]`: the adapters and which are visible.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use lab_types::DeviceList;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DevicesQuery {
    /// A `LAB_VISIBLE_DEVICES`-style override for this request ("" hides every GPU).
    visible: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    query: Result<Query<DevicesQuery>, QueryRejection>,
) -> Result<Json<DeviceList>, ApiError> {
    let Query(q) = query?;
    Ok(Json(state.server.lab.devices(q.visible).await?))
}
