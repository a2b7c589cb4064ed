//! The answer of a server function whose error is the lab's own `LabError`
//! (experiments, demos, predictions, puzzles): a refusal sets its HTTP status,
//! an internal failure is logged here with its whole cause and shown only as
//! a generic line.

use lab_types::LabError;

/// Answers a lab error: logs an internal failure's detail and sets the
/// response status (a plain form post keeps its redirect instead).
pub fn refuse(e: LabError) -> LabError {
    match e.log_detail() {
        Some(detail) => tracing::error!(%detail, "lab request failed"),
        None => tracing::debug!(error = %e, "lab request refused"),
    }
    super::set_status(e.status());
    if let Some(seconds) = e.retry_after_s() {
        super::set_retry_after(seconds);
    }
    e
}
