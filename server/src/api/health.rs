use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;

use crate::state::AppState;

#[derive(Serialize)]
pub(crate) struct Health {
    status: &'static str,
    version: &'static str,
    database: &'static str,
    lessons: usize,
}

/// `GET /healthz`: 200 when the database answers, 503 when it does not.
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let db_ok = state.server.pool.is_healthy().await;
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if db_ok { "ok" } else { "degraded" },
            version: env!("CARGO_PKG_VERSION"),
            database: if db_ok { "ok" } else { "unavailable" },
            lessons: state.server.content.lessons().len(),
        }),
    )
}
