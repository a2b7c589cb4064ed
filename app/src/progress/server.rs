//! Server functions of the progress page.

use leptos::prelude::*;

use super::types::ProgressView;
use crate::quiz::QuizError;

/// What the value of the reset form's confirmation checkbox must be.
pub const CONFIRM_VALUE: &str = "yes";

#[server(prefix = "/api", endpoint = "progress")]
pub async fn get_progress() -> Result<ProgressView, QuizError> {
    use crate::quiz::server_support::internal;
    let state = crate::state::server_state().map_err(|e| internal("no server state", e))?;
    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| internal("reading the learner failed", e))?;
    super::report::progress(&state.pool, &state.content, learner)
        .await
        .map_err(|e| internal("reading progress failed", e))
}

/// Deletes this learner's answers; `confirm` must be `yes` (the checkbox that makes
/// this a two-step action without JavaScript). Returns how many were deleted; a
/// browser without a (valid) cookie has nothing to delete.
#[server(prefix = "/api", endpoint = "progress/reset")]
pub async fn reset_progress(confirm: Option<String>) -> Result<u64, QuizError> {
    use crate::quiz::server_support::{internal, is_plain_form_post, redirect_back, reject};

    let result = async {
        if confirm.as_deref() != Some(CONFIRM_VALUE) {
            return Err(reject(
                None,
                "Tick “Yes, delete all my answers” to confirm the reset.",
            ));
        }
        let state = crate::state::server_state().map_err(|e| internal("no server state", e))?;
        let learner = crate::learner::current_learner(&state.pool)
            .await
            .map_err(|e| internal("reading the learner failed", e))?;
        match learner {
            Some(id) => crate::quiz::db::delete_attempts(&state.pool, id)
                .await
                .map_err(|e| internal("deleting attempts failed", e)),
            None => Ok(0),
        }
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
