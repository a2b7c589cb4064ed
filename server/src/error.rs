//! Errors of the server layer: start-up failures and JSON API errors.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Why the server could not start. Printed to the operator, never to a client.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("content: {0}")]
    Content(#[from] app::content::ContentError),
    #[error("database: {0}")]
    Database(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(#[from] std::io::Error),
}

/// An error answered by the JSON API. Client errors say what was wrong; internal
/// errors are logged with their detail and answered with a generic message.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_s: u64 },
    /// A refused request with its own status (400, 409, 422...), naming the field at fault.
    #[error("{message}")]
    Rejected { status: StatusCode, field: Option<String>, message: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            ApiError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
            ApiError::TooManyRequests { message, .. } => (StatusCode::TOO_MANY_REQUESTS, message.clone()),
            ApiError::Rejected { status, field: Some(field), message } => {
                return (*status, Json(json!({ "error": message, "field": field }))).into_response();
            }
            ApiError::Rejected { status, message, .. } => (*status, message.clone()),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log".to_string())
            }
        };
        let mut response = (status, Json(json!({ "error": message }))).into_response();
        if let ApiError::TooManyRequests { retry_after_s, .. } = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_s.into());
        }
        response
    }
}
