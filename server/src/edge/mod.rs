//! The HTTP edge: every layer between the socket and the routes, in one place.
//!
//! From the outside in: access log (with `Cookie`/`Set-Cookie` redacted),
//! security headers, JSON error bodies for the JSON API, panic catching,
//! cross-site refusal, body limit, and (on everything but progress streams)
//! the request timeout. The connection cap and the header-read timeout live in
//! [`serve`], where connections are accepted.

mod cross_site;
mod error_body;
mod headers;
mod panic;
pub mod serve;
mod server_fn_status;

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::StatusCode;
use axum::Router;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::settings::EdgeSettings;

pub use cross_site::Origins;

/// `timed` are the routes a request timeout applies to; `streams` (progress
/// streams, open as long as their job runs) are exempt.
pub fn apply(timed: Router, streams: Router, settings: &EdgeSettings) -> Router {
    let origins = Origins::new(settings.https);
    timed
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout(),
        ))
        .merge(streams)
        .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            origins,
            cross_site::refuse_cross_site,
        ))
        .layer(axum::middleware::from_fn(
            server_fn_status::client_errors_are_4xx,
        ))
        .layer(panic::layer())
        .layer(axum::middleware::from_fn(error_body::json_api_errors))
        .layer(headers::layers())
        .layer(SetSensitiveResponseHeadersLayer::new([SET_COOKIE]))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().include_headers(true))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([COOKIE]))
}
