//! What the server hands to server functions through leptos context (server only).

use std::sync::Arc;

use leptos::prelude::*;
use sqlx::SqlitePool;

use crate::content::Content;
use crate::experiments::lab::Lab;

/// Shared state, provided to every request by the server binary.
#[derive(Clone)]
pub struct ServerState {
    pub pool: SqlitePool,
    pub content: Arc<Content>,
    /// The experiments engine behind its trait (implemented by the server).
    pub lab: Arc<dyn Lab>,
}

pub fn server_state() -> Result<ServerState, ServerFnError> {
    use_context::<ServerState>().ok_or_else(|| ServerFnError::new("server state is not available"))
}

pub fn content() -> Result<Arc<Content>, ServerFnError> {
    Ok(server_state()?.content)
}

pub fn pool() -> Result<SqlitePool, ServerFnError> {
    Ok(server_state()?.pool)
}

pub fn lab() -> Result<Arc<dyn Lab>, ServerFnError> {
    Ok(server_state()?.lab)
}
