//! What the server hands to server functions through leptos context (server only).

use std::sync::Arc;

use lab_storage::db::Db;
use lab_types::LabError;
use leptos::prelude::*;

use crate::content::Content;
use crate::lab::Lab;

/// Shared state, provided to every request by the server binary.
#[derive(Clone)]
pub struct ServerState {
    pub pool: Db,
    pub content: Arc<Content>,
    /// The experiments engine behind its trait (implemented by the server).
    pub lab: Arc<dyn Lab>,
    /// Served over https: the learner cookie is `Secure` and `__Host-` prefixed.
    pub secure_cookies: bool,
    /// `LAB_PUBLIC_ORIGIN` as browsers write it (`https://lab.school.example`),
    /// when set: full links (a teacher's, a class's join link) use it.
    pub public_origin: Option<String>,
    /// Answers per minute per learner.
    pub answer_limit: Arc<crate::limits::AnswerLimit>,
    /// The time spaced review runs on (tests move it forward).
    pub clock: crate::clock::Clock,
    /// Wrong join codes, teacher links and transfer codes (and new classes) per address.
    pub guess_limit: Arc<crate::limits::GuessLimit>,
    /// Kernels submitted per learner and per client.
    pub kernel_rate: Arc<crate::limits::kernel::KernelRate>,
    /// New learners, joins and new classes per client.
    pub limits: Arc<crate::limits::client::ClientLimits>,
    /// The secret kept beside the database: keys transfer-code hashes, signs
    /// form errors in URLs.
    pub secret: lab_storage::secret::ServerSecret,
}

/// The server did not provide its state: a wiring bug, never the client's fault.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("server state is not available")]
pub struct MissingState;

impl From<MissingState> for LabError {
    fn from(e: MissingState) -> Self {
        LabError::failed("reading the server state", e)
    }
}

pub fn server_state() -> Result<ServerState, MissingState> {
    use_context::<ServerState>().ok_or(MissingState)
}

pub fn content() -> Result<Arc<Content>, MissingState> {
    Ok(server_state()?.content)
}

pub fn pool() -> Result<Db, MissingState> {
    Ok(server_state()?.pool)
}

pub fn lab() -> Result<Arc<dyn Lab>, MissingState> {
    Ok(server_state()?.lab)
}
