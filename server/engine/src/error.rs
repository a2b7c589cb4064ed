//! The engine's single error type.
//!
//! Variants are split so the web layer can map them to HTTP status codes:
//! bad requests (4xx) versus failures of the machine or driver (5xx).

use thiserror::Error;

/// Everything that can go wrong in the engine.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EngineError {
    /// A parameter is malformed or out of its allowed set (4xx).
    #[error("invalid {field}: {message}")]
    InvalidParam { field: &'static str, message: String },

    /// A parameter (or a combination) asks for more work or memory than the
    /// engine allows per request (4xx). `message` names the limit and by how
    /// much it is exceeded.
    #[error("{message}")]
    LimitExceeded { field: &'static str, message: String },

    /// The GPU path was requested but no adapter is visible (4xx: the CPU
    /// path still works, the request asked for something this host/setting
    /// does not offer).
    #[error("{0}")]
    NoGpuVisible(String),

    /// wgpu / driver failure: device creation, out of memory, lost device,
    /// failed buffer mapping (5xx).
    #[error("GPU failure: {0}")]
    Gpu(String),

    /// A bug or broken invariant inside the engine (5xx).
    #[error("internal engine error: {0}")]
    Internal(String),
}

impl EngineError {
    /// True when the request was at fault (map to 4xx); false for 5xx.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            EngineError::InvalidParam { .. }
                | EngineError::LimitExceeded { .. }
                | EngineError::NoGpuVisible(_)
        )
    }

    /// Suggested HTTP status: 400 invalid, 422 over a limit, 409 no GPU
    /// visible (valid request, but this host/setting cannot serve it),
    /// 500 otherwise.
    pub fn http_status(&self) -> u16 {
        match self {
            EngineError::InvalidParam { .. } => 400,
            EngineError::LimitExceeded { .. } => 422,
            EngineError::NoGpuVisible(_) => 409,
            EngineError::Gpu(_) | EngineError::Internal(_) => 500,
        }
    }

    /// The parameter a 4xx error is about, if any (lets a form highlight it).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            EngineError::InvalidParam { field, .. } | EngineError::LimitExceeded { field, .. } => {
                Some(field)
            }
            EngineError::NoGpuVisible(_) => Some("visible_devices"),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        EngineError::InvalidParam { field, message: message.into() }
    }
}
