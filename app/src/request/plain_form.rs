//! Plain form posts (no JavaScript) on the server: telling them apart, setting
//! a response status, and sending the browser back to the page it came from.

use axum::http::header::{ACCEPT, REFERER};
use axum::http::request::Parts;
use axum::http::StatusCode;
use leptos::prelude::use_context;
use leptos::server_fn::error::{FromServerFnError, ServerFnUrlError};

/// A form posted by the browser itself (no JavaScript): it expects a page back, so
/// leptos redirects it to the page it came from.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Sets the HTTP status of a server function's response. A plain form post
/// keeps leptos' redirect back to its page instead, where the error is shown.
pub fn set_status(status: StatusCode) {
    if is_plain_form_post() {
        return;
    }
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// For plain form posts: redirects to `url` (a path of this site).
pub fn redirect(url: &str) {
    if is_plain_form_post() {
        leptos_axum::redirect(url);
    }
}

/// For plain form posts: back to the page the form was on, scrolled to `anchor`,
/// carrying `error` the way leptos shows it (its `__path`/`__err` parameters).
/// Only the path of the Referer is kept, so this never redirects to another site.
pub fn redirect_back<E>(server_fn_path: &str, anchor: &str, error: Option<&E>)
where
    E: FromServerFnError + Clone,
{
    if !is_plain_form_post() {
        return;
    }
    let referer = use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(REFERER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    back_to(&same_site_path(&referer), server_fn_path, anchor, error);
}

/// For plain form posts from a page that sends no `Referer` (a teacher's
/// dashboard is `no-referrer`, its URL being a secret): back to `page`, a
/// path of this site, with `error` as [`redirect_back`] carries it.
pub fn redirect_back_to<E>(page: &str, server_fn_path: &str, anchor: &str, error: Option<&E>)
where
    E: FromServerFnError + Clone,
{
    if !is_plain_form_post() {
        return;
    }
    back_to(
        &same_site_path(&format!("http://local{page}")),
        server_fn_path,
        anchor,
        error,
    );
}

fn back_to<E>(page: &str, server_fn_path: &str, anchor: &str, error: Option<&E>)
where
    E: FromServerFnError + Clone,
{
    // A throwaway origin only so that the URL helpers can parse a path. An
    // earlier error (and its signature) goes.
    let url = match page.split_once('?') {
        Some((path, query)) => format!(
            "http://local{path}?{}",
            super::signed_error::without_error(query)
        ),
        None => format!("http://local{page}"),
    };
    let (path, query) =
        match error.map(|e| ServerFnUrlError::new(server_fn_path, e.clone()).to_url(&url)) {
            Some(Ok(mut with_error)) => {
                // Signed, or the edge strips it as if a link had made it up.
                let encoded = with_error
                    .query_pairs()
                    .find(|(k, _)| k == super::signed_error::ERROR_PARAM)
                    .map(|(_, v)| v.into_owned());
                if let (Some(encoded), Ok(state)) = (encoded, crate::state::server_state()) {
                    let sig = super::signed_error::sign(&state.secret, server_fn_path, &encoded);
                    with_error
                        .query_pairs_mut()
                        .append_pair(super::signed_error::SIG_PARAM, &sig);
                }
                (
                    with_error.path().to_string(),
                    with_error.query().map(str::to_string),
                )
            }
            _ => split_url(&url),
        };
    let query = query
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    leptos_axum::redirect(&format!("{path}{query}#{anchor}"));
}

/// Tells the client when to try again (with a 429 or 503).
pub fn set_retry_after(seconds: u64) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds),
        );
    }
}

/// For plain form posts: to the page the form was on (its path only), with
/// `query` and scrolled to `anchor`: how a demo shows its result without JavaScript.
pub fn redirect_to_page(query: &str, anchor: &str) {
    if !is_plain_form_post() {
        return;
    }
    let referer = use_context::<Parts>()
        .and_then(|p| {
            p.headers
                .get(REFERER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let page = same_site_path(&referer);
    let path = page.split('?').next().unwrap_or("/");
    leptos_axum::redirect(&format!("{path}?{query}#{anchor}"));
}

/// The path and query of a Referer, or `/` for anything that is not a plain URL.
fn same_site_path(referer: &str) -> String {
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))
        .map(|r| r.find('/').map(|i| &r[i..]).unwrap_or("/"))
        .unwrap_or("/");
    let path = rest.split('#').next().unwrap_or("/");
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && path.bytes().all(|b| b.is_ascii_graphic());
    if safe {
        path.to_string()
    } else {
        "/".to_string()
    }
}

fn split_url(url: &str) -> (String, Option<String>) {
    let path_and_query = url.strip_prefix("http://local").unwrap_or("/");
    match path_and_query.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path_and_query.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::same_site_path;

    #[test]
    fn only_the_path_of_the_referer_is_kept() {
        assert_eq!(
            same_site_path("http://127.0.0.1:3000/lessons/a?x=1#q-b"),
            "/lessons/a?x=1"
        );
        assert_eq!(same_site_path("https://evil.example/phish"), "/phish");
        assert_eq!(same_site_path("http://host"), "/");
        assert_eq!(same_site_path(""), "/");
        assert_eq!(same_site_path("javascript:alert(1)"), "/");
        assert_eq!(same_site_path("http://h//evil.example/"), "/");
    }
}
