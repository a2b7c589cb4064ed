//! The Content-Security-Policy: pages run only the app's own scripts (the
//! hydration script carries the request's nonce, the WASM is compiled with
//! `'wasm-unsafe-eval'`) and cannot be framed.
//!
//! `style-src-attr 'unsafe-inline'`: the charts and progress bars set widths
//! and colours in `style=` attributes, which nonces cannot cover. Style
//! *elements* and sheets stay restricted to this site.

/// The policy of a page whose scripts carry `nonce`.
#[cfg(feature = "ssr")]
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The policy of every other response (JSON, files, error texts): nothing runs.
#[cfg(feature = "ssr")]
pub const NON_PAGE_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Puts the page policy with this request's nonce on the response (server
/// rendering only; in the browser it does nothing).
#[leptos::component]
pub fn ContentSecurityPolicy() -> impl leptos::IntoView {
    #[cfg(feature = "ssr")]
    {
        use axum::http::header::CONTENT_SECURITY_POLICY;
        use axum::http::HeaderValue;
        use leptos::prelude::use_context;

        let policy = leptos::nonce::use_nonce()
            .and_then(|nonce| HeaderValue::from_str(&page_policy(&nonce)).ok());
        if let (Some(policy), Some(response)) =
            (policy, use_context::<leptos_axum::ResponseOptions>())
        {
            response.insert_header(CONTENT_SECURITY_POLICY, policy);
        }
    }
}
