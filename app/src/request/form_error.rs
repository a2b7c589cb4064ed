//! The error of the practice server functions (quiz and progress), shown in forms.
//!
//! It travels from server to browser as JSON, and without JavaScript inside the
//! redirect URL (leptos' `__err` parameter), so it carries only what a learner may
//! see: internal details are logged on the server and replaced by a generic text.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum FormError {
    /// The request was wrong (HTTP 400); the message says how to fix it.
    /// `question_id` lets the page show it under the right question.
    #[error("{message}")]
    Invalid {
        question_id: Option<String>,
        message: String,
    },
    /// Too many requests of one kind in a short time (HTTP 429).
    #[error("{}", too_fast_message(*what, *retry_after_s))]
    TooFast { what: Pace, retry_after_s: u64 },
    /// A server-side failure (HTTP 500), already logged.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// From the server-function machinery: unreadable arguments, network failures.
    #[error("{}", transport_message(.0))]
    Transport(ServerFnErrorErr),
}

/// What was sent too fast: each has its own budget (and words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pace {
    /// Answers of one learner (or network).
    Answers,
    /// New learners (first writes of new browsers) from one network.
    NewLearners,
    /// Wrong join codes, teacher links or transfer codes from one network.
    WrongCodes,
    /// New classes from one network.
    NewClasses,
    /// Joins from one network.
    Joins,
}

fn too_fast_message(what: Pace, retry_after_s: u64) -> String {
    let what = match what {
        Pace::Answers => "You are answering very fast",
        Pace::NewLearners => "Too many new learners came from your network in a short time",
        Pace::WrongCodes => "Too many wrong codes came from your network",
        Pace::NewClasses => "Too many classes were created from your network in a short time",
        Pace::Joins => "Too many joins came from your network in a short time",
    };
    format!("{what}: wait {retry_after_s} s, then try again.")
}

impl FormError {
    pub fn invalid(question_id: Option<&str>, message: impl Into<String>) -> Self {
        Self::Invalid {
            question_id: question_id.map(str::to_string),
            message: message.into(),
        }
    }

    /// Whether the form of this question should show the error: errors about another
    /// question (all forms share one server function) are not.
    pub fn concerns(&self, question_id: &str) -> bool {
        match self {
            FormError::Invalid {
                question_id: Some(id),
                ..
            } => id == question_id,
            _ => true,
        }
    }
}

#[cfg(feature = "ssr")]
impl FormError {
    /// Refuses the request with HTTP 400 and a message for the learner.
    pub fn reject(question_id: Option<&str>, message: impl Into<String>) -> Self {
        let err = FormError::invalid(question_id, message);
        tracing::debug!(error = %err, "request refused");
        super::set_status(axum::http::StatusCode::BAD_REQUEST);
        err
    }

    /// Refuses with HTTP 429 and `Retry-After` (a plain form keeps its redirect).
    pub fn too_fast(what: Pace, retry_after_s: u64) -> Self {
        if !super::is_plain_form_post() {
            super::set_status(axum::http::StatusCode::TOO_MANY_REQUESTS);
            super::set_retry_after(retry_after_s);
        }
        FormError::TooFast {
            what,
            retry_after_s,
        }
    }

    /// Logs the detail, with every error behind it (`source()`), and
    /// answers a generic error (HTTP 500).
    pub fn internal(
        context: &str,
        detail: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        let detail = lab_types::chain(&*detail.into());
        tracing::error!(%detail, "{context}");
        FormError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<crate::state::MissingState> for FormError {
    fn from(e: crate::state::MissingState) -> Self {
        FormError::internal("no server state", e)
    }
}

fn transport_message(err: &ServerFnErrorErr) -> &'static str {
    match err {
        ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
            "The answer could not be read. Please use the form on the page."
        }
        ServerFnErrorErr::Request(_) => {
            "The server could not be reached. Check your connection and try again."
        }
        _ => "Something went wrong. Please try again.",
    }
}

impl FromServerFnError for FormError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Arguments that do not parse (e.g. a hand-made request repeating a field)
        // are the client's fault: answer 400, not the framework's default 500.
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_)
        ) {
            tracing::info!(error = %value, "unreadable server function arguments");
            super::set_status(axum::http::StatusCode::BAD_REQUEST);
        }
        FormError::Transport(value)
    }
}
