//! Security headers on every response. Pages carry their own
//! Content-Security-Policy with the request's script nonce (set by the app's
//! shell, see `app::request::csp`); every other response gets the strict one.
//!
//! `Referrer-Policy: same-origin` by default: no URL of this site leaks to
//! another, while plain form posts still carry the `Referer` they are sent back
//! to (and a normal `Origin`: under `no-referrer` browsers send `Origin: null`,
//! which the cross-site check refuses). Run pages, capability URLs, set
//! `no-referrer` themselves.

use axum::http::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};
use axum::http::HeaderValue;
use tower::layer::util::{Identity, Stack};
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;

type Layers = Stack<
    SetResponseHeaderLayer<HeaderValue>,
    Stack<
        SetResponseHeaderLayer<HeaderValue>,
        Stack<SetResponseHeaderLayer<HeaderValue>, Identity>,
    >,
>;

pub fn layers() -> ServiceBuilder<Layers> {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(app::request::csp::NON_PAGE_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}
