//! The JSON API answers every error as `{"error": message}`, also those made by
//! the edge itself (413 body too large, 408 timeout, 500 panic, 404 no route),
//! which would otherwise be text or a page. Other paths keep their bodies
//! (server functions encode their own errors, pages are pages), except that an
//! empty error (axum's 405) gets a line of text saying what it is.

use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Paths of the plain JSON API (see `crate::api`); server functions live beside
/// them under `/api/` but are not among them.
const JSON_API_PREFIXES: &[&str] = &[
    "/api/experiments",
    "/api/devices",
    "/api/lab/queue",
    "/api/lab/jobs/",
];

/// Longest text body carried over into the JSON message.
const MAX_MESSAGE_BYTES: usize = 512;

pub fn is_json_api(path: &str) -> bool {
    JSON_API_PREFIXES.iter().any(|p| path.starts_with(p))
}

pub async fn json_api_errors(request: Request, next: Next) -> Response {
    let json_api = is_json_api(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    if !json_api {
        return with_text_if_empty(response);
    }
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if content_type.starts_with("application/json") {
        return response;
    }
    let (parts, body) = response.into_parts();
    let message = if status.is_server_error() {
        "internal error; see the server log".to_string()
    } else if content_type.starts_with("text/plain") {
        text_of(body).await
    } else {
        status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase()
    };
    let mut json = (status, Json(json!({ "error": message }))).into_response();
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

fn with_text_if_empty(response: Response) -> Response {
    if response.body().size_hint().exact() != Some(0) {
        return response;
    }
    let status = response.status();
    let text = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("refused")
    );
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.insert(
        CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Response::from_parts(parts, Body::from(text))
}

async fn text_of(body: Body) -> String {
    match axum::body::to_bytes(body, MAX_MESSAGE_BYTES).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_string(),
        Err(_) => "the request was refused".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_json_api;

    #[test]
    fn only_the_json_api_is_reshaped() {
        assert!(is_json_api("/api/experiments"));
        assert!(is_json_api("/api/experiments/abc"));
        assert!(is_json_api("/api/lab/jobs/x/events"));
        assert!(!is_json_api("/api/lab/start"));
        assert!(!is_json_api("/api/quiz/answer"));
        assert!(!is_json_api("/lab"));
    }
}
