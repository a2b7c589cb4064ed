//! The axum state every route shares.

use app::state::ServerState;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

/// leptos' options for rendering, and what server functions and API routes need.
#[derive(Clone, FromRef)]
pub(crate) struct AppState {
    pub leptos_options: LeptosOptions,
    pub server: ServerState,
}
