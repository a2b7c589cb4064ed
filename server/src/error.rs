//! Errors of the server layer: start-up failures and JSON API errors.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lab_types::LabError;
use serde_json::json;

/// Why the server could not start. Printed to the operator, never to a client.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("content: {0}")]
    Content(#[from] app::content::ContentError),
    #[error(transparent)]
    Database(#[from] lab_storage::pool::OpenError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(#[from] std::io::Error),
    #[error("cannot find this program's own file to start the kernel sandbox (set LAB_KERNEL_SANDBOX): {0}")]
    OwnBinary(#[source] std::io::Error),
    #[error(transparent)]
    Secret(#[from] crate::secret_file::SecretError),
}

/// An error answered by the JSON API as `{"error": message[, "field": name]}`.
/// Client errors say what was wrong; internal errors are logged with their
/// detail and answered with a generic message.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The lab refused or failed the request; it knows its own status.
    #[error(transparent)]
    Lab(#[from] LabError),
    /// The request could not be read (malformed JSON or query, wrong content
    /// type): the extractor's own status and message.
    #[error("{message}")]
    Unreadable { status: StatusCode, message: String },
    #[error("{0}")]
    NotFound(String),
    /// Too many wrong guesses from this address: wait this many seconds.
    #[error("too many wrong codes from this address; try again in {0} s")]
    TooFast(u64),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        ApiError::Unreadable {
            status: r.status(),
            message: r.body_text(),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::Unreadable {
            status: r.status(),
            message: r.body_text(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            ApiError::Lab(e) => {
                if let Some(detail) = e.log_detail() {
                    tracing::error!(%detail, "lab request failed");
                }
                let body = match e.field() {
                    Some(field) => json!({ "error": e.to_string(), "field": field }),
                    None => json!({ "error": e.to_string() }),
                };
                (e.status(), body)
            }
            ApiError::Unreadable { status, message } => (*status, json!({ "error": message })),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, json!({ "error": m })),
            ApiError::TooFast(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                json!({ "error": self.to_string() }),
            ),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "internal error; see the server log" }),
                )
            }
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match &self {
            ApiError::Lab(e) => e.retry_after_s(),
            ApiError::TooFast(s) => Some(*s),
            _ => None,
        };
        if let Some(s) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        response
    }
}
