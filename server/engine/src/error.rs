//! The engine's single error type.
//!
//! Variants are split by whose fault it is: the request's (a bad or too large
//! parameter, no visible GPU) or the machine's (driver, device, a broken
//! invariant). The engine knows nothing about HTTP: `LabError`, which this
//! converts into, decides how a client is answered.

use lab_types::LabError;
use thiserror::Error;

/// Everything that can go wrong in the engine.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EngineError {
    /// A parameter is malformed or out of its allowed set.
    #[error("invalid {field}: {message}")]
    InvalidParam {
        field: &'static str,
        message: String,
    },

    /// A parameter (or a combination) asks for more work or memory than the
    /// engine allows per request. `message` names the limit and by how much
    /// it is exceeded.
    #[error("{message}")]
    LimitExceeded {
        field: &'static str,
        message: String,
    },

    /// The GPU path was requested but no adapter is visible (the CPU path
    /// still works; the request asked for something this host or setting
    /// does not offer).
    #[error("{0}")]
    NoGpuVisible(String),

    /// wgpu / driver failure: device creation, out of memory, lost device,
    /// failed buffer mapping.
    #[error("GPU failure: {0}")]
    Gpu(String),

    /// The GPU did not finish within the engine's wait limit. The device is
    /// dropped; the next job opens a fresh one.
    #[error("the GPU did not finish {what} within {limit_s} s")]
    GpuTimeout { what: &'static str, limit_s: f64 },

    /// The caller asked the run to stop (checked between batches).
    #[error("the run was stopped before it finished")]
    Stopped,

    /// A bug or broken invariant inside the engine.
    #[error("internal engine error: {0}")]
    Internal(String),
}

impl EngineError {
    /// The parameter a request error is about, if any.
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
        EngineError::InvalidParam {
            field,
            message: message.into(),
        }
    }
}

impl From<EngineError> for LabError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::InvalidParam { field, message } => LabError::invalid(field, message),
            EngineError::LimitExceeded { field, message } => LabError::LimitExceeded {
                field: field.to_string(),
                message,
            },
            EngineError::NoGpuVisible(message) => LabError::NoGpuVisible(message),
            EngineError::Stopped => LabError::Cancelled,
            EngineError::GpuTimeout { limit_s, .. } => LabError::DeviceTimeout {
                limit_s: limit_s.ceil() as u64,
            },
            e @ (EngineError::Gpu(_) | EngineError::Internal(_)) => {
                LabError::failed("the engine", e)
            }
        }
    }
}
