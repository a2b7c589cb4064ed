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
    use leptos::prelude::*;
    use sha2::{Digest, Sha256};
    use sqlx::SqlitePool;

    use super::{cookie_name, COOKIE_NAME};

    /// About a year: progress should outlive a browser restart, not last forever.
    const COOKIE_MAX_AGE_S: u64 = 365 * 24 * 60 * 60;
    const TOKEN_BYTES: usize = 16;

    #[derive(Debug, thiserror::Error)]
    pub enum LearnerError {
        #[error("database: {0}")]
        Database(#[from] sqlx::Error),
        #[error("no random numbers from the OS: {0}")]
        Random(getrandom::Error),
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

    /// The secret a learner's browser holds; only its hash is stored.
    #[derive(Clone, PartialEq, Eq)]
    pub struct LearnerToken([u8; TOKEN_BYTES]);

    impl std::fmt::Debug for LearnerToken {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("LearnerToken(…)") // never log the secret
        }
    }

    impl LearnerToken {
        pub fn generate() -> Result<Self, LearnerError> {
            let mut bytes = [0u8; TOKEN_BYTES];
            getrandom::fill(&mut bytes).map_err(LearnerError::Random)?;
            Ok(Self(bytes))
        }

        /// Parses the cookie value: exactly 32 lowercase hex digits.
        pub fn parse(text: &str) -> Option<Self> {
            if text.len() != TOKEN_BYTES * 2
                || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                return None;
            }
            let mut bytes = [0u8; TOKEN_BYTES];
            for (i, byte) in bytes.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
            }
            Some(Self(bytes))
        }

        pub fn to_hex(&self) -> String {
            self.0.iter().map(|b| format!("{b:02x}")).collect()
        }

        /// What the database stores and looks up.
        pub fn hash(&self) -> Vec<u8> {
            Sha256::digest(self.0).to_vec()
        }

        /// The `Set-Cookie` value that hands this token to the browser. No `Secure`
        /// flag: the app is also served over plain HTTP on localhost.
        pub fn set_cookie_value(&self) -> String {
            format!(
                "{COOKIE_NAME}={}; HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE_S}",
                self.to_hex()
            )
        }

        /// The `Set-Cookie` value under the `secure` setting: over https the
        /// cookie is `Secure` and `__Host-` prefixed.
        pub fn set_cookie_value_for(&self, secure: bool) -> String {
            if !secure {
                return self.set_cookie_value();
            }
            format!(
                "{}={}; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age={COOKIE_MAX_AGE_S}",
                cookie_name(true),
                self.to_hex()
            )
        }
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
        pool: &SqlitePool,
        headers: &HeaderMap,
        secure: bool,
    ) -> Result<Option<i64>, LearnerError> {
        match token_named(headers, cookie_name(secure)) {
            Some(token) => find_learner(pool, &token).await,
            None => Ok(None),
        }
    }

    pub async fn find_learner(
        pool: &SqlitePool,
        token: &LearnerToken,
    ) -> Result<Option<i64>, LearnerError> {
        Ok(
            // The learner's first browser, or one it moved to with a transfer code.
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM learners WHERE token_hash = ?1
                 UNION ALL SELECT learner_id FROM learner_devices WHERE token_hash = ?1
                 LIMIT 1",
            )
            .bind(token.hash())
            .fetch_optional(pool)
            .await?,
        )
    }

    pub async fn create_learner(
        pool: &SqlitePool,
        token: &LearnerToken,
    ) -> Result<i64, LearnerError> {
        Ok(sqlx::query_scalar::<_, i64>(
            "INSERT INTO learners (token_hash) VALUES (?) RETURNING id",
        )
        .bind(token.hash())
        .fetch_one(pool)
        .await?)
    }

    async fn request_headers() -> Result<HeaderMap, LearnerError> {
        leptos_axum::extract::<HeaderMap>()
            .await
            .map_err(|_| LearnerError::NoRequest)
    }

    /// The learner of the current request (server functions and page rendering), if any.
    pub async fn current_learner(pool: &SqlitePool) -> Result<Option<i64>, LearnerError> {
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
    pub async fn current_or_new_learner(pool: &SqlitePool) -> Result<i64, LearnerError> {
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
                .map_err(|retry_after_s| LearnerError::TooFast { retry_after_s })?;
        }
        let token = LearnerToken::generate()?;
        let id = create_learner(pool, &token).await?;
        hand_out(&response, &token);
        Ok(id)
    }

    /// Whether the current request could create a learner now, taking nothing:
    /// for work that runs before its result is stored for a new learner.
    pub async fn may_create_learner(pool: &SqlitePool) -> Result<(), LearnerError> {
        if current_learner(pool).await?.is_some() {
            return Ok(());
        }
        match crate::state::server_state() {
            Ok(state) => state
                .limits
                .new_learners
                .check(crate::request::client::client_key())
                .map_err(|retry_after_s| LearnerError::TooFast { retry_after_s }),
            Err(_) => Ok(()),
        }
    }

    /// Gives learner `id` a new token (its old one stops working) and hands it
    /// to the browser: a reset makes a leaked old cookie worthless.
    pub async fn rotate_token(pool: &SqlitePool, id: i64) -> Result<(), LearnerError> {
        let response =
            use_context::<leptos_axum::ResponseOptions>().ok_or(LearnerError::NoRequest)?;
        let token = LearnerToken::generate()?;
        sqlx::query("UPDATE learners SET token_hash = ? WHERE id = ?")
            .bind(token.hash())
            .bind(id)
            .execute(pool)
            .await?;
        // Browsers the learner moved to lose access too.
        sqlx::query("DELETE FROM learner_devices WHERE learner_id = ?")
            .bind(id)
            .execute(pool)
            .await?;
        hand_out(&response, &token);
        Ok(())
    }

    /// Browsers one learner may use at once besides the first; the oldest goes first.
    pub const MAX_DEVICES: i64 = 10;

    /// Makes this browser act as learner `id` (a redeemed transfer code): a new
    /// token of its own, so the learner's other browsers keep working.
    pub async fn continue_as(pool: &SqlitePool, id: i64) -> Result<(), LearnerError> {
        let response =
            use_context::<leptos_axum::ResponseOptions>().ok_or(LearnerError::NoRequest)?;
        let token = LearnerToken::generate()?;
        add_device(pool, id, &token.hash()).await?;
        hand_out(&response, &token);
        Ok(())
    }

    /// Lets one more browser token (its hash) act as this learner, keeping the
    /// newest [`MAX_DEVICES`].
    pub async fn add_device(
        pool: &SqlitePool,
        id: i64,
        token_hash: &[u8],
    ) -> Result<(), LearnerError> {
        sqlx::query("INSERT INTO learner_devices (token_hash, learner_id) VALUES (?, ?)")
            .bind(token_hash)
            .bind(id)
            .execute(pool)
            .await?;
        sqlx::query(
            "DELETE FROM learner_devices WHERE learner_id = ?1 AND rowid NOT IN
             (SELECT rowid FROM learner_devices WHERE learner_id = ?1 ORDER BY rowid DESC LIMIT ?2)",
        )
        .bind(id)
        .bind(MAX_DEVICES)
        .execute(pool)
        .await?;
        Ok(())
    }

    fn hand_out(response: &leptos_axum::ResponseOptions, token: &LearnerToken) {
        if let Ok(cookie) = HeaderValue::from_str(&token.set_cookie_value_for(secure_cookies())) {
            response.append_header(SET_COOKIE, cookie);
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn token_round_trips_through_hex() {
            let token = LearnerToken::generate().unwrap();
            let hex = token.to_hex();
            assert_eq!(hex.len(), 32);
            assert_eq!(LearnerToken::parse(&hex), Some(token.clone()));
            assert_ne!(
                LearnerToken::generate().unwrap(),
                token,
                "tokens are random"
            );
        }

        #[test]
        fn malformed_tokens_are_rejected() {
            for bad in [
                "".to_string(),
                "abc".into(),
                "g".repeat(32),
                "A".repeat(32),
                "0".repeat(33),
                "é".repeat(16),
            ] {
                assert!(LearnerToken::parse(&bad).is_none(), "{bad:?}");
            }
        }

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
            let value = LearnerToken::generate().unwrap().set_cookie_value_for(true);
            assert!(value.starts_with("__Host-lab_learner="), "{value}");
            for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
                assert!(value.contains(flag), "{value}");
            }
            assert!(!value.contains("Domain"), "{value}");
        }

        #[test]
        fn cookie_has_the_safety_flags() {
            let value = LearnerToken::generate().unwrap().set_cookie_value();
            for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
                assert!(value.contains(flag), "{value}");
            }
        }
    }
}
