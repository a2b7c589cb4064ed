//! Near the connection cap the server says so at once instead of letting new
//! clients wait: requests on a connection accepted in the last eighth below
//! `LAB_MAX_CONNECTIONS` (see [`super::admission`]) are answered
//! `503 Service Unavailable` with `Retry-After` and the connection is closed —
//! except `/healthz`, so a load balancer still sees a live server.

use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::connection::Connection;

/// Seconds a client is asked to wait: idle connections are closed within the
/// header-read timeout (10 s by default), so places come back about that fast.
pub const RETRY_AFTER_S: u64 = 5;

pub const BUSY_TEXT: &str =
    "503 Service Unavailable: the server has too many connections right now. Try again in a few seconds.";

pub async fn shed_when_busy(request: Request, next: Next) -> Response {
    let busy = request
        .extensions()
        .get::<Connection>()
        .is_some_and(|c| c.busy);
    if !busy || request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let headers = [
        (RETRY_AFTER, HeaderValue::from(RETRY_AFTER_S)),
        (CONNECTION, HeaderValue::from_static("close")),
    ];
    let status = StatusCode::SERVICE_UNAVAILABLE;
    // The JSON API's errors are JSON (a text 5xx would become "internal error").
    if super::error_body::is_json_api(request.uri().path()) {
        (status, headers, Json(json!({ "error": BUSY_TEXT }))).into_response()
    } else {
        let text = [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )];
        (status, headers, text, BUSY_TEXT).into_response()
    }
}
