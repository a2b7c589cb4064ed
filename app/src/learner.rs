//! Anonymous learners: no sign-up, a random 128-bit token in the `lab_learner` cookie.
//!
//! The database keeps only the SHA-256 of the token, so a leaked database does not
//! let anyone act as a learner. A token that is malformed or not in the database is
//! treated exactly like no cookie: it never reaches anybody's progress, and a new
//! learner always gets a fresh server-generated token (never one the client chose).
//!
//! Other features reuse [`current_learner`] (read-only pages) and
//! [`current_or_new_learner`] (the first write creates the learner).

/// Name of the cookie that carries the learner's token.
pub const COOKIE_NAME: &str = "lab_learner";

/// What a `LabError::TooFast` counts when a client created its share of
/// learners (pages show their own words for it).
pub const NEW_LEARNERS: &str = "new learners";

/// Its name when the site is served over https: browsers accept a `__Host-`
/// cookie only with `Secure`, `Path=/` and no `Domain`, so no other host
/// (a sibling subdomain, a plain-http page) can plant or overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-lab_learner";

/// The cookie's name under the `secure` setting.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use axum::http::header::{COOKIE, SET_COOKIE};
    use axum::http::{HeaderMap, HeaderValue};
    use lab_storage::db::Db;
    use lab_storage::learners::{add_device, create_learner, find_learner, replace_token};
    use leptos::prelude::*;

    pub use lab_storage::learners::LearnerToken;

    use super::{cookie_name, COOKIE_NAME};

    /// About a year: progress should outlive a browser restart, not last forever.
    const COOKIE_MAX_AGE_S: u64 = 365 * 24 * 60 * 60;

    #[derive(Debug, thiserror::Error)]
    pub enum LearnerError {
        #[error("database: {0}")]
        Database(#[from] sqlx::Error),
        #[error("making a token failed")]
        Random(#[from] lab_storage::secret::RandomError),
        #[error("not called while handling a request")]
        NoRequest,
        /// The client created its share of new learners (a 429, not a failure).
        #[error("too many new learners from this client; retry in {retry_after_s} s")]
        TooFast { retry_after_s: u64 },
    }

    impl LearnerError {
        /// As a form's error: a 429 for [`LearnerError::TooFast`], else a
        /// logged internal failure.
        pub fn into_form_error(self) -> crate::request::FormError {
            use crate::request::{FormError, Pace};
            match self {
                LearnerError::TooFast { retry_after_s } => {
                    FormError::too_fast(Pace::NewLearners, retry_after_s)
                }
                e => FormError::internal("identifying the learner failed", e),
            }
        }

        /// As the lab's error: a 429 for [`LearnerError::TooFast`], else an
        /// internal failure whose detail names `context`.
        pub fn into_lab_error(self, context: &str) -> lab_types::LabError {
            match self {
                LearnerError::TooFast { retry_after_s } => lab_types::LabError::TooFast {
                    what: super::NEW_LEARNERS.into(),
                    retry_after_s,
                },
                e => lab_types::LabError::failed(context, e),
            }
        }
    }

    /// The `Set-Cookie` value that hands `token` to the browser. Over https
    /// (`secure`) the cookie is `Secure` and `__Host-` prefixed; without it, no
    /// `Secure` flag: the app is also served over plain HTTP on localhost.
    pub fn set_cookie_value(token: &LearnerToken, secure: bool) -> String {
        let secure_flag = if secure { "Secure; " } else { "" };
        format!(
            "{}={}; {secure_flag}HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE_S}",
            cookie_name(secure),
            token.to_hex()
        )
    }

    /// Whether this server sets `Secure` `__Host-` cookies (the https setting).
    fn secure_cookies() -> bool {
        crate::state::server_state()
            .map(|s| s.secure_cookies)
            .unwrap_or(false)
    }

    /// The first well-formed `lab_learner` token in the request's `Cookie` headers.
    pub fn token_from_headers(headers: &HeaderMap) -> Option<LearnerToken> {
        token_named(headers, COOKIE_NAME)
    }

    /// The first well-formed token in the cookie called `name`.
    pub fn token_named(headers: &HeaderMap, name: &str) -> Option<LearnerToken> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(n, _)| *n == name)
            .find_map(|(_, value)| LearnerToken::parse(value.trim()))
    }

    /// The learner whose token is in these headers; `None` for no, malformed or
    /// unknown tokens. Usable from plain axum handlers.
    pub async fn learner_from_headers(
        pool: &Db,
        headers: &HeaderMap,
        secure: bool,
    ) -> Result<Option<i64>, LearnerError> {
        match token_named(headers, cookie_name(secure)) {
            Some(token) => Ok(find_learner(pool, &token).await?),
            None => Ok(None),
        }
    }

    async fn request_headers() -> Result<HeaderMap, LearnerError> {
        leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|_| LearnerError::NoRequest)
    }

    /// The learner of the current request (server functions and page rendering), if any.
    pub async fn current_learner(pool: &Db) -> Result<Option<i64>, LearnerError> {
        learner_from_headers(pool, &request_headers().await?, secure_cookies()).await
    }

    /// The learner of the current request, created (and its cookie set on the
    /// response) when the request has no valid one. Call it only once the request
    /// is known to be valid, so that bad requests write nothing.
    ///
    /// Creating one takes a token from the client's budget of new learners
    /// (see `ClientRates::new_learners`): past it the answer is
    /// [`LearnerError::TooFast`] and nothing is written, so a client that
    /// drops its cookie on every request cannot mint learners without end.
    pub async fn current_or_new_learner(pool: &Db) -> Result<i64, LearnerError> {
        if let Some(id) = current_learner(pool).await? {
            return Ok(id);
        }
        let response =
            use_context::<leptos_axum::ResponseOptions>().ok_or(LearnerError::NoRequest)?;
        if let Ok(state) = crate::state::server_state() {
            state
                .limits
                .new_learners
                .take(crate::request::client::client_key())
                .await
                .map_err(|retry_after_s| LearnerError::TooFast { retry_after_s })?;
        }
        let token = LearnerToken::generate()?;
        let id = create_learner(pool, &token).await?;
        hand_out(&response, &token);
        Ok(id)
    }

    /// Whether the current request could create a learner now, taking nothing:
    /// for work that runs before its result is stored for a new learner.
    pub async fn may_create_learner(pool: &Db) -> Result<(), LearnerError> {
        if current_learner(pool).await?.is_some() {
            return Ok(());
        }
        match crate::state::server_state() {
            Ok(state) => state
                .limits
                .new_learners
                .check(crate::request::client::client_key())
                .await
                .map_err(|retry_after_s| LearnerError::TooFast { retry_after_s }),
            Err(_) => Ok(()),
        }
    }

    /// Gives learner `id` a new token (its old one stops working) and hands it
    /// to the browser: a reset makes a leaked old cookie worthless.
    pub async fn rotate_token(pool: &Db, id: i64) -> Result<(), LearnerError> {
        let response =
            use_context::<leptos_axum::ResponseOptions>().ok_or(LearnerError::NoRequest)?;
        let token = LearnerToken::generate()?;
        // Browsers the learner moved to lose access too.
        replace_token(pool, id, &token).await?;
        hand_out(&response, &token);
        Ok(())
    }

    /// Makes this browser act as learner `id` (a redeemed transfer code): a new
    /// token of its own, so the learner's other browsers keep working.
    pub async fn continue_as(pool: &Db, id: i64) -> Result<(), LearnerError> {
        let response =
            use_context::<leptos_axum::ResponseOptions>().ok_or(LearnerError::NoRequest)?;
        let token = LearnerToken::generate()?;
        add_device(pool, id, &token.hash()).await?;
        hand_out(&response, &token);
        Ok(())
    }

    fn hand_out(response: &leptos_axum::ResponseOptions, token: &LearnerToken) {
        if let Ok(cookie) = HeaderValue::from_str(&set_cookie_value(token, secure_cookies())) {
            response.append_header(SET_COOKIE, cookie);
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn token_is_found_among_other_cookies() {
            let token = LearnerToken::generate().unwrap();
            let mut headers = HeaderMap::new();
            headers.insert(
                COOKIE,
                format!(
                    "theme=dark; {COOKIE_NAME}=nothex; {COOKIE_NAME}={}",
                    token.to_hex()
                )
                .parse()
                .unwrap(),
            );
            assert_eq!(token_from_headers(&headers), Some(token));
        }

        #[test]
        fn secure_cookie_is_host_prefixed() {
            let value = set_cookie_value(&LearnerToken::generate().unwrap(), true);
            assert!(value.starts_with("__Host-lab_learner="), "{value}");
            for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
                assert!(value.contains(flag), "{value}");
            }
            assert!(!value.contains("Domain"), "{value}");
        }

        #[test]
        fn cookie_has_the_safety_flags() {
            let value = set_cookie_value(&LearnerToken::generate().unwrap(), false);
            for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
                assert!(value.contains(flag), "{value}");
            }
        }
    }
}
