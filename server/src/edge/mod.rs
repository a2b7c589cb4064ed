//! The HTTP edge: every layer between the socket and the routes, in one place.
//!
//! From the outside in: the client's address (the peer, or behind a trusted
//! proxy the address it forwards, see [`client`]), the access log (an
//! allowlist of fields, teacher links redacted, see [`log_span`]),
//! gzip compression (not of progress streams, see [`compression`]),
//! security headers, no-store and no-referrer on private pages
//! ([`private_pages`]), JSON error bodies for the JSON API, panic catching,
//! the `Host` allowlist ([`host`], 421), the 503 of connections accepted near
//! the cap ([`busy`]), cross-site refusal, the body's size and deadline
//! ([`body`], 413 / 408), and (on everything but progress streams) the
//! request timeout. The connection caps, the header-read timeout and the
//! answer past the cap live in [`serve`], where connections are accepted.
//! Closest to the pages, inside all of these, [`kept_html`] puts the HTML that
//! pages keep once per process back into them (and gzips those pages itself).

mod admission;
mod body;
mod busy;
mod client;
mod connection;
mod cross_site;
mod error_body;
mod fd_limit;
mod headers;
mod host;
pub mod kept_html;
mod log_span;
mod overflow;
mod panic;
mod private_pages;
pub mod public_origin;
pub mod serve;
mod server_fn_status;
pub mod signed_errors;
pub mod trusted_proxies;

use std::sync::Arc;

use axum::http::header::{COOKIE, REFERER, SET_COOKIE};
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::Router;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::settings::EdgeSettings;

pub use cross_site::Origins;

/// `timed` are the routes a request timeout applies to; `streams` (progress
/// streams, open as long as their job runs) are exempt.
pub fn apply(timed: Router, streams: Router, settings: &EdgeSettings) -> Router {
    let public = settings.public_origin.as_ref();
    if public.is_some_and(|p| p.is_https()) && !settings.https {
        tracing::warn!(
            "LAB_PUBLIC_ORIGIN is https but LAB_HTTPS is off: the learner cookie is sent \
             without Secure, and only http:// origins besides the public one are this site"
        );
    }
    let origins = Arc::new(Origins::new(settings.https, public));
    let hosts = Arc::new(host::Hosts::new(settings.https, public.cloned()));
    let trusted = Arc::new(settings.trusted_proxies.clone());
    let body_limits = body::BodyLimits {
        max_bytes: settings.max_body_bytes,
        timeout: settings.body_timeout(),
    };
    timed
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout(),
        ))
        .merge(streams)
        .layer(from_fn_with_state(body_limits, body::whole_body_in_time))
        .layer(from_fn_with_state(origins, cross_site::refuse_cross_site))
        .layer(from_fn(server_fn_status::client_errors_are_4xx))
        .layer(from_fn(busy::shed_when_busy))
        .layer(from_fn_with_state(hosts, host::allowed_hosts_only))
        .layer(panic::layer())
        .layer(from_fn(error_body::json_api_errors))
        .layer(from_fn(private_pages::private_pages))
        .layer(headers::layers())
        .layer(compression())
        .layer(SetSensitiveResponseHeadersLayer::new([SET_COOKIE]))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(log_span::RedactedSpan)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // No header is logged as a whole any more (see `log_span`); marking
        // these sensitive keeps them out of any debug output that would.
        .layer(SetSensitiveRequestHeadersLayer::new([COOKIE, REFERER]))
        .layer(from_fn_with_state(trusted, client::resolve_client))
}

/// Responses are gzipped when the client accepts it: a lesson page shrinks to
/// about a fifth. Not compressed: small bodies, images, responses that already
/// are (the site's precompressed `.gz` files), and server-sent events — a
/// progress stream must reach the page event by event, not when a compressor's
/// buffer fills.
fn compression() -> CompressionLayer<impl Predicate> {
    // The fastest level: about a third of the default's time for a few percent
    // more bytes, and pages are rendered per request (they carry a CSP nonce).
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(
            SizeAbove::new(256)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE)
                .and(NotForContentType::GRPC),
        )
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::body::Body;
    use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
    use axum::http::Request;
    use axum::response::sse::{Event, Sse};
    use axum::response::Html;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    fn app() -> Router {
        let page = "<p>lesson</p>".repeat(1000);
        let timed = Router::new().route("/page", get(move || async move { Html(page) }));
        let streams = Router::new().route(
            "/events",
            get(|| async {
                let event = Ok::<_, Infallible>(Event::default().data("x".repeat(4096)));
                Sse::new(futures::stream::iter([event]))
            }),
        );
        apply(timed, streams, &EdgeSettings::default())
    }

    async fn encoding(path: &str) -> Option<String> {
        let request = Request::get(path)
            .header("host", "localhost")
            .header(ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_string())
    }

    #[tokio::test]
    async fn pages_are_gzipped_but_progress_streams_are_not() {
        assert_eq!(encoding("/page").await.as_deref(), Some("gzip"));
        assert_eq!(encoding("/events").await, None);
    }
}
