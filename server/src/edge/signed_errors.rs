//! Form errors in page URLs only when this server put them there (L2).
//!
//! Without JavaScript a refused form comes back to its page with leptos'
//! `__path`/`__err` parameters, and every form on that page whose server
//! function matches shows the error. Any link could carry them, so the app
//! signs the pair it sends (`__sig`, see `app::request::signed_error`) and
//! this layer answers a page request whose pair is unsigned, forged or
//! incomplete with a redirect to the same page without it: neither the
//! server's render nor the browser's (which reads the address bar) ever sees
//! an error it did not make.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use app::request::signed_error::{check_query, Verdict};
use lab_storage::secret::ServerSecret;

pub async fn strip_unsigned(
    State(secret): State<ServerSecret>,
    request: Request,
    next: Next,
) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    // Only a query with an underscore (or an escape, which may hide one) can
    // name the error parameters.
    let verdict = match request.uri().query() {
        Some(q) if q.contains('_') || q.contains('%') => check_query(&secret, q),
        _ => Verdict::Keep,
    };
    match verdict {
        Verdict::Keep => next.run(request).await,
        Verdict::Strip(query) => {
            tracing::info!("an unsigned form error in a page address was dropped");
            // The request's own path; `//…` would leave the site.
            let path = request.uri().path();
            let path = if path.starts_with("//") { "/" } else { path };
            let location = if query.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{query}")
            };
            Redirect::to(&location).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::header::LOCATION;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;

    async fn answer(secret: &ServerSecret, uri: &str) -> (u16, Option<String>) {
        let app = Router::new()
            .route("/join", get(|| async { "page" }))
            .route("/{*rest}", get(|| async { "page" }))
            .layer(axum::middleware::from_fn_with_state(
                secret.clone(),
                strip_unsigned,
            ));
        let response = app
            .oneshot(Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), location)
    }

    #[tokio::test]
    async fn unsigned_errors_are_redirected_away_and_signed_ones_pass() {
        let secret = ServerSecret::from_bytes([5; 32]);
        assert_eq!(answer(&secret, "/join?joined=1").await, (200, None));
        assert_eq!(
            answer(
                &secret,
                "/join?x=1&__path=%2Fapi%2Fclasses%2Fjoin&__err=e30%3D"
            )
            .await,
            (303, Some("/join?x=1".into()))
        );
        assert_eq!(
            answer(&secret, "//evil.example/?__err=x").await,
            (303, Some("/".into())),
            "never off the site"
        );
        let sig = app::request::signed_error::sign(&secret, "/api/classes/join", "e30=");
        let signed = format!("/join?__path=%2Fapi%2Fclasses%2Fjoin&__err=e30%3D&__sig={sig}");
        assert_eq!(answer(&secret, &signed).await, (200, None));
    }
}
