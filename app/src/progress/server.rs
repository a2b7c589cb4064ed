//! Server functions of the progress page.

use leptos::prelude::*;

use super::types::ProgressView;
use crate::request::FormError;

/// What the value of the reset form's confirmation checkbox must be.
pub const CONFIRM_VALUE: &str = "yes";

#[server(prefix = "/api", endpoint = "progress")]
pub async fn get_progress() -> Result<ProgressView, FormError> {
    let state = crate::state::server_state()?;
    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| FormError::internal("reading the learner failed", e))?;
    let mut view = super::report::progress(&state.pool, &state.content, learner)
        .await
        .map_err(|e| FormError::internal("reading progress failed", e))?;
    if !state.lab.playground_enabled() {
        // No puzzles to point to on a server without the playground.
        view.puzzles_total = 0;
    }
    Ok(view)
}

/// Deletes this learner's answers; `confirm` must be `yes` (the checkbox that makes
/// this a two-step action without JavaScript). Returns how many were deleted; a
/// browser without a (valid) cookie has nothing to delete.
#[server(prefix = "/api", endpoint = "progress/reset")]
pub async fn reset_progress(confirm: Option<String>) -> Result<u64, FormError> {
    use crate::request::{is_plain_form_post, redirect_back};

    let result = async {
        if confirm.as_deref() != Some(CONFIRM_VALUE) {
            return Err(FormError::reject(
                None,
                "Tick “Yes, delete all my answers” to confirm the reset.",
            ));
        }
        let state = crate::state::server_state()?;
        let learner = crate::learner::current_learner(&state.pool)
            .await
            .map_err(|e| FormError::internal("reading the learner failed", e))?;
        let Some(id) = learner else {
            return Ok(0);
        };
        let deleted = lab_storage::attempts::delete_attempts(&state.pool, id)
            .await
            .map_err(|e| FormError::internal("deleting attempts failed", e))?;
        lab_storage::cards::delete_cards(&state.pool, id)
            .await
            .map_err(|e| FormError::internal("deleting review cards failed", e))?;
        lab_storage::predictions::delete_for(&state.pool, id)
            .await
            .map_err(|e| FormError::internal("deleting predictions failed", e))?;
        // A fresh start gets a fresh token: whoever held the old one loses access.
        crate::learner::rotate_token(&state.pool, id)
            .await
            .map_err(|e| FormError::internal("rotating the learner token failed", e))?;
        Ok(deleted)
    }
    .await;
    match &result {
        Ok(deleted) if is_plain_form_post() => {
            leptos_axum::redirect(&format!("/progress?deleted={deleted}"))
        }
        Ok(_) => {}
        Err(e) => redirect_back(
            <ResetProgress as leptos::server_fn::ServerFn>::PATH,
            "reset",
            Some(e),
        ),
    }
    result
}
