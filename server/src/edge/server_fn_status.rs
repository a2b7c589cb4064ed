//! Server functions answer every error 500 unless the function sets a status.
//! When the arguments themselves cannot be read (a missing field, a number that
//! does not parse), no function code runs: the lab's error then says
//! `Request`, a client error, and this layer gives it the status the error
//! names (`LabError::status`) instead of 500.

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use lab_types::LabError;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Server function errors are a line of JSON; anything longer is left alone.
const MAX_ERROR_BYTES: usize = 16 * 1024;

pub async fn client_errors_are_4xx(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        tracing::error!("a server function error could not be read back");
        return Response::from_parts(parts, Body::from("internal error"));
    };
    if let Ok(e @ LabError::Request(_)) = serde_json::from_slice::<LabError>(&bytes) {
        parts.status = e.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}
