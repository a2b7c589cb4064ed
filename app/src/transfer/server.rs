//! Server functions of moving progress to another browser. The code is shown
//! in the response (and, for a page without JavaScript, kept in a short-lived
//! HttpOnly cookie so the page can show it): never in a URL or the log.

use leptos::prelude::*;

use crate::request::FormError;

/// Cookie that lets `/transfer` show the code just made, without JavaScript.
pub const SHOWN_COOKIE: &str = "lab_transfer";

/// A fresh one-time code for this browser's learner, as shown (`ABCD-EFGH`).
#[server(prefix = "/api", endpoint = "transfer/new")]
pub async fn new_transfer_code() -> Result<String, FormError> {
    use axum::http::header::SET_COOKIE;
    use axum::http::HeaderValue;

    let result = async {
        let state = crate::state::server_state()?;
        let Some(learner) = crate::learner::current_learner(&state.pool)
            .await
            .map_err(|e| FormError::internal("reading the learner failed", e))?
        else {
            return Err(FormError::reject(
                None,
                "This browser has no progress to move yet: answer a question or join a class first.",
            ));
        };
        let code = lab_storage::transfer::new_code(&state.pool, &state.secret, learner, lab_storage::transfer::unix_now())
            .await
            .map_err(|e| FormError::internal("making a transfer code failed", e))?;
        let secure = if state.secure_cookies { "; Secure" } else { "" };
        let cookie = format!(
            "{SHOWN_COOKIE}={code}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
            lab_storage::transfer::TTL_S
        );
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(&cookie),
        ) {
            response.append_header(SET_COOKIE, value);
        }
        Ok(lab_storage::codes::display_code(&code))
    }
    .await;
    match &result {
        Ok(_) => crate::request::redirect("/transfer"),
        Err(e) => crate::request::redirect_back(
            <NewTransferCode as leptos::server_fn::ServerFn>::PATH,
            "show-code",
            Some(e),
        ),
    }
    result
}

/// The code this browser made last, while it still waits to be used.
#[server(prefix = "/api", endpoint = "transfer/shown")]
pub async fn shown_transfer_code() -> Result<Option<String>, FormError> {
    use axum::http::HeaderMap;
    let state = crate::state::server_state()?;
    let headers = leptos_axum::extract::<HeaderMap>()
        .await
        .map_err(|e| FormError::internal("reading the request failed", e))?;
    let code = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SHOWN_COOKIE)
        .and_then(|(_, value)| lab_storage::codes::normalise_code(value));
    let Some(code) = code else {
        return Ok(None);
    };
    let Some(learner) = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| FormError::internal("reading the learner failed", e))?
    else {
        return Ok(None);
    };
    let live = lab_storage::transfer::is_live(
        &state.pool,
        &state.secret,
        learner,
        &code,
        lab_storage::transfer::unix_now(),
    )
    .await
    .map_err(|e| FormError::internal("reading a transfer code failed", e))?;
    Ok(live.then(|| lab_storage::codes::display_code(&code)))
}

/// Uses a code made on another browser: this browser continues as that learner.
#[server(prefix = "/api", endpoint = "transfer/redeem")]
pub async fn redeem_transfer_code(code: Option<String>) -> Result<(), FormError> {
    let result = async {
        let Some(code) = lab_storage::codes::normalise_code(code.as_deref().unwrap_or(""))
        else {
            return Err(FormError::reject(
                None,
                "A transfer code has 8 letters and digits, like ABCD-EFGH.",
            ));
        };
        let state = crate::state::server_state()?;
        let client = crate::request::client::client_key();
        state
            .guess_limit
            .check(client)
            .await
            .map_err(|s| FormError::too_fast(crate::request::Pace::WrongCodes, s))?;
        let learner = lab_storage::transfer::redeem(&state.pool, &state.secret, &code, lab_storage::transfer::unix_now())
            .await
            .map_err(|e| FormError::internal("redeeming a transfer code failed", e))?;
        let Some(learner) = learner else {
            state.guess_limit.record(client).await;
            return Err(FormError::reject(
                None,
                "This code is unknown, already used or older than 10 minutes. Show a new one on your other device.",
            ));
        };
        crate::learner::continue_as(&state.pool, learner)
            .await
            .map_err(|e| FormError::internal("moving the learner failed", e))
    }
    .await;
    match &result {
        Ok(_) => crate::request::redirect("/transfer?moved=1"),
        Err(e) => crate::request::redirect_back(
            <RedeemTransferCode as leptos::server_fn::ServerFn>::PATH,
            "use-code",
            Some(e),
        ),
    }
    result
}
