//! The lab's error, as every client sees it.
//!
//! One type from the engine to the browser: the engine converts its own error
//! into it (`From<EngineError>`), the JSON API turns it into a response, and it
//! is the error type of the experiment server functions. Client errors carry a
//! message meant for the learner; an internal failure carries its detail for
//! the server log only: the detail is never serialised, and the message shown
//! is generic.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum LabError {
    /// A malformed parameter (400).
    #[error("invalid {field}: {message}")]
    InvalidParam { field: String, message: String },
    /// More work or memory than a request may ask for (422).
    #[error("{message}")]
    LimitExceeded { field: String, message: String },
    /// A GPU run was asked for but no GPU is visible (409).
    #[error("{0}")]
    NoGpuVisible(String),
    /// Too many experiments are waiting (429).
    #[error("the lab is busy: {waiting} experiments are already waiting; try again in about {retry_after_s} s")]
    QueueFull { waiting: usize, retry_after_s: u64 },
    /// The learner already has an experiment running and one waiting (429).
    #[error("you already have an experiment running and one waiting; try again in about {retry_after_s} s, once one has finished")]
    TooManyJobs { retry_after_s: u64 },
    /// The client's network (an address, or an IPv6 /64) already holds its
    /// share of the queue, whatever the cookies say (429).
    #[error("your network already has {jobs} experiments or kernels running or waiting, its share of this lab; try again in about {retry_after_s} s, once one has finished")]
    NetworkBusy { jobs: usize, retry_after_s: u64 },
    /// Too many requests of one kind from this learner or network in a short
    /// time (429), e.g. new learners or kernels submitted.
    #[error(
        "too many {what} from your network in a short time; try again in about {retry_after_s} s"
    )]
    TooFast { what: String, retry_after_s: u64 },
    /// Waited in the queue longer than the server allows (503).
    #[error("the experiment waited {waited_s} s for a device without getting one; the lab is overloaded, try again later")]
    QueueTimeout { waited_s: u64 },
    /// The GPU stopped answering (503); it is reset for the next experiment.
    #[error("the GPU did not answer within {limit_s} s, so this experiment was stopped; the device is reset and the next experiment opens it afresh")]
    DeviceTimeout { limit_s: u64 },
    /// No lab worker can run it: none is live, or the one running it
    /// stopped answering twice (503).
    #[error("{0}")]
    WorkerUnavailable(String),
    /// The server is shutting down (503).
    #[error("the server is shutting down; try again in a minute")]
    ShuttingDown,
    /// The learner cancelled it (409).
    #[error("the experiment was cancelled")]
    Cancelled,
    /// No such job or run (404).
    #[error("no such experiment")]
    NotFound,
    /// A part of the lab this server's settings turn off (404).
    #[error("{0} is turned off on this server")]
    TurnedOff(String),
    /// The request never reached the lab: unreadable arguments (400) or a
    /// failed connection (seen by the browser only).
    #[error("{0}")]
    Request(String),
    /// A failure of the machine, driver or database (500). `cause` is for
    /// the log: it is not serialised, so it never reaches a client.
    #[error("the experiment failed on the server; the details are in the server log")]
    Internal {
        #[serde(skip)]
        #[source]
        cause: Cause,
    },
}

/// What an internal failure was doing and, when another error stopped it,
/// that error with its own `source()` chain: kept as a value, not flattened
/// into text, so the log at the boundary can print every link. Never
/// serialised (a client deserialises an empty one).
#[derive(Clone, Default)]
pub struct Cause {
    context: String,
    error: Option<Arc<dyn Error + Send + Sync + 'static>>,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.context)
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cause")
            .field("context", &self.context)
            .field("error", &self.error)
            .finish()
    }
}

impl Error for Cause {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// Two causes are equal when they read the same in the log (errors have no
/// equality of their own; `LabError` compares by what a client would see).
impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        chain(self) == chain(other)
    }
}

/// `e` and every error behind it (`source()`), joined by ": ", for the log.
pub fn chain(e: &(dyn Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(inner) = next {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        next = inner.source();
    }
    text
}

impl LabError {
    /// An internal failure described in words only (no error caused it).
    pub fn internal(detail: impl Into<String>) -> Self {
        LabError::Internal {
            cause: Cause {
                context: detail.into(),
                error: None,
            },
        }
    }

    /// An internal failure while doing `context`, caused by `error`, which
    /// stays reachable through `source()`.
    pub fn failed(context: impl Into<String>, error: impl Error + Send + Sync + 'static) -> Self {
        LabError::Internal {
            cause: Cause {
                context: context.into(),
                error: Some(Arc::new(error)),
            },
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        LabError::InvalidParam {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            LabError::InvalidParam { .. } | LabError::Request(_) => StatusCode::BAD_REQUEST,
            LabError::LimitExceeded { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            LabError::NoGpuVisible(_) | LabError::Cancelled => StatusCode::CONFLICT,
            LabError::QueueFull { .. }
            | LabError::TooManyJobs { .. }
            | LabError::NetworkBusy { .. }
            | LabError::TooFast { .. } => StatusCode::TOO_MANY_REQUESTS,
            LabError::QueueTimeout { .. }
            | LabError::DeviceTimeout { .. }
            | LabError::WorkerUnavailable(_)
            | LabError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            LabError::NotFound | LabError::TurnedOff(_) => StatusCode::NOT_FOUND,
            LabError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The parameter a client error is about (lets a form highlight it).
    pub fn field(&self) -> Option<&str> {
        match self {
            LabError::InvalidParam { field, .. } | LabError::LimitExceeded { field, .. } => {
                Some(field)
            }
            LabError::NoGpuVisible(_) => Some("visible_devices"),
            _ => None,
        }
    }

    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            LabError::QueueFull { retry_after_s, .. }
            | LabError::TooManyJobs { retry_after_s }
            | LabError::NetworkBusy { retry_after_s, .. }
            | LabError::TooFast { retry_after_s, .. } => Some(*retry_after_s),
            LabError::ShuttingDown => Some(60),
            _ => None,
        }
    }

    /// What the server log needs: the detail of an internal failure.
    pub fn log_detail(&self) -> Option<String> {
        match self {
            LabError::Internal { cause } => Some(chain(cause)),
            _ => None,
        }
    }
}

#[cfg(feature = "server-fn")]
mod server_fn_error {
    use server_fn::codec::JsonEncoding;
    use server_fn::error::{FromServerFnError, ServerFnErrorErr};

    use super::LabError;

    impl FromServerFnError for LabError {
        type Encoder = JsonEncoding;

        fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
            match value {
                ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                    LabError::Request(format!("the request could not be read: {m}"))
                }
                ServerFnErrorErr::Request(_) => LabError::Request(
                    "the server could not be reached; check your connection and try again".into(),
                ),
                other => LabError::internal(other.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_leaves_the_server() {
        let e = LabError::internal("vkQueueSubmit: device lost at 0xdeadbeef");
        let json = serde_json::to_string(&e).unwrap();
        assert!(!json.contains("deadbeef"), "{json}");
        assert!(!e.to_string().contains("deadbeef"));
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            e.log_detail().as_deref(),
            Some("vkQueueSubmit: device lost at 0xdeadbeef")
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error("saving the run failed")]
    struct Store(#[source] std::io::Error);

    #[test]
    fn a_failure_keeps_its_cause_chain_for_the_log_only() {
        let io = std::io::Error::other("disk I/O error at 0xdeadbeef");
        let e = LabError::failed("saving run 7", Store(io));
        // The whole chain is reachable through `source()`…
        let cause = e.source().expect("the cause");
        let store = cause.source().expect("the store error");
        assert_eq!(store.to_string(), "saving the run failed");
        assert!(store.source().is_some(), "the I/O error is still there");
        assert_eq!(
            e.log_detail().as_deref(),
            Some("saving run 7: saving the run failed: disk I/O error at 0xdeadbeef")
        );
        // …and none of it reaches a client.
        let json = serde_json::to_string(&e).unwrap();
        assert!(
            !json.contains("deadbeef") && !json.contains("run 7"),
            "{json}"
        );
        let back: LabError = serde_json::from_str(&json).unwrap();
        assert_eq!(back.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(back.log_detail().as_deref(), Some(""));
    }

    #[test]
    fn client_errors_keep_their_message_and_field() {
        let e = LabError::LimitExceeded {
            field: "n".into(),
            message: "n = 2000000 exceeds the limit of 1000000".into(),
        };
        let back: LabError = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.field(), Some("n"));
        assert_eq!(back.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
