//! A request's body must arrive whole within `LAB_BODY_TIMEOUT_S` and be at
//! most `LAB_MAX_BODY_BYTES` long.
//!
//! The deadline covers the whole body, counted from when the request's
//! headers were read (those have `LAB_HEADER_READ_TIMEOUT_S`): a per-read
//! timeout would let a client that sends a byte every few seconds hold its
//! connection, its task and a place in the connection cap for as long as the
//! request timeout allows. The body is read here, before any handler runs,
//! and handed on in one piece; a client too slow is answered 408 and its
//! connection closed. Requests without a body (every page view and progress
//! stream) pass untouched.

use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{CONNECTION, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    pub timeout: Duration,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum BodyRefused {
    #[error("408 Request Timeout: the request's body did not arrive within {0} s")]
    TooSlow(u64),
    #[error("413 Payload Too Large: request bodies are limited to {0} bytes")]
    TooLarge(usize),
    #[error("400 Bad Request: the request's body could not be read")]
    Unreadable,
}

impl BodyRefused {
    fn status(&self) -> StatusCode {
        match self {
            BodyRefused::TooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            BodyRefused::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRefused::Unreadable => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for BodyRefused {
    fn into_response(self) -> Response {
        (
            self.status(),
            [
                // The rest of the body is not read: the connection cannot be reused.
                (CONNECTION, HeaderValue::from_static("close")),
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
            ],
            self.to_string(),
        )
            .into_response()
    }
}

pub async fn whole_body_in_time(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match read(body, limits).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(refused) => {
            tracing::info!(reason = %refused, "request body refused");
            refused.into_response()
        }
    }
}

async fn read(body: Body, limits: BodyLimits) -> Result<Vec<u8>, BodyRefused> {
    let too_large = BodyRefused::TooLarge(limits.max_bytes);
    // A declared length over the limit is refused before reading anything.
    if body.size_hint().lower() > limits.max_bytes as u64 {
        return Err(too_large);
    }
    let collect = async {
        let mut bytes = Vec::new();
        let mut chunks = body.into_data_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|_| BodyRefused::Unreadable)?;
            if bytes.len() + chunk.len() > limits.max_bytes {
                return Err(BodyRefused::TooLarge(limits.max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    tokio::time::timeout(limits.timeout, collect)
        .await
        .map_err(|_| BodyRefused::TooSlow(limits.timeout.as_secs()))?
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::body::Bytes;

    use super::*;

    const LIMITS: BodyLimits = BodyLimits {
        max_bytes: 10,
        timeout: Duration::from_millis(200),
    };

    fn chunks(parts: Vec<&'static str>, gap: Duration) -> Body {
        let stream = futures::stream::iter(parts).then(move |p| async move {
            tokio::time::sleep(gap).await;
            Ok::<_, Infallible>(Bytes::from(p))
        });
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn a_whole_body_in_time_is_handed_on() {
        let body = chunks(vec!["ab", "cd"], Duration::from_millis(10));
        assert_eq!(read(body, LIMITS).await.unwrap(), b"abcd");
    }

    #[tokio::test]
    async fn a_body_dribbled_past_the_deadline_is_refused_though_each_piece_is_quick() {
        let body = chunks(vec!["a"; 8], Duration::from_millis(50));
        assert_eq!(read(body, LIMITS).await, Err(BodyRefused::TooSlow(0)));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_declared_or_not() {
        assert_eq!(
            read(Body::from("x".repeat(11)), LIMITS).await,
            Err(BodyRefused::TooLarge(10))
        );
        let body = chunks(vec!["123456", "789012"], Duration::ZERO);
        assert_eq!(read(body, LIMITS).await, Err(BodyRefused::TooLarge(10)));
    }
}
