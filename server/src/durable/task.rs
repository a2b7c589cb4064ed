//! What a job in `lab_jobs` asks a lab worker to do, and how its answer and
//! its failure are written: the one vocabulary web instances and workers
//! share through the database (`kind` names the variant, `params` holds its
//! JSON, the answer goes to `runs` or to the job's `result`).

use lab_types::{ExperimentRequest, LabError, PuzzleTask, TimingParams};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "params", rename_all = "snake_case")]
pub(crate) enum LabTask {
    /// A run, a sweep or a loop-style comparison: saved in `runs`.
    Experiment(ExperimentRequest),
    /// The timing lesson's measurement: a `TimingReport` as the result.
    Timing(TimingParams),
    /// A learner's kernel, run in the worker's sandbox: a `PuzzleOutcome`.
    Kernel(PuzzleTask),
    /// The devices' roofs: a `Vec<DeviceRoofs>`.
    Roofs,
}

impl LabTask {
    /// The `kind` and `params` columns.
    pub(crate) fn to_columns(&self) -> Result<(String, String), serde_json::Error> {
        let mut value = serde_json::to_value(self)?;
        let kind = value["kind"].as_str().unwrap_or_default().to_string();
        let params = value
            .get_mut("params")
            .map(serde_json::Value::take)
            .unwrap_or(serde_json::Value::Null);
        Ok((kind, params.to_string()))
    }

    /// Read back from the `kind` and `params` columns.
    pub(crate) fn from_columns(kind: &str, params: &str) -> Result<Self, serde_json::Error> {
        let params: serde_json::Value = serde_json::from_str(params)?;
        let mut value = serde_json::json!({ "kind": kind });
        if !params.is_null() {
            value["params"] = params;
        }
        serde_json::from_value(value)
    }
}

/// The `kind` of experiments (their answer is a saved run).
pub(crate) const EXPERIMENT: &str = "experiment";

/// A failure as the `error` column keeps it: the learner's error as JSON
/// (an internal one without its cause, which the worker logged).
pub(crate) fn error_text(e: &LabError) -> String {
    serde_json::to_string(e).unwrap_or_else(|_| e.to_string())
}

/// The `error` column read back. Text that is not a `LabError` was written
/// by the reaper (the worker stopped answering twice).
pub(crate) fn error_of(text: &str) -> LabError {
    serde_json::from_str(text).unwrap_or_else(|_| LabError::WorkerUnavailable(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_survives_its_columns() {
        let tasks = [
            LabTask::Experiment(ExperimentRequest::Run(Default::default())),
            LabTask::Timing(TimingParams::default()),
            LabTask::Roofs,
        ];
        for task in tasks {
            let (kind, params) = task.to_columns().unwrap();
            assert_eq!(LabTask::from_columns(&kind, &params).unwrap(), task);
        }
        let (kind, _) = LabTask::Roofs.to_columns().unwrap();
        assert_eq!(kind, "roofs");
        let (kind, _) = LabTask::Experiment(ExperimentRequest::Run(Default::default()))
            .to_columns()
            .unwrap();
        assert_eq!(kind, EXPERIMENT);
    }

    #[test]
    fn a_reaper_message_reads_as_no_worker_and_errors_keep_their_kind() {
        assert!(matches!(
            error_of(lab_storage::jobs::LOST_TWICE),
            LabError::WorkerUnavailable(m) if m == lab_storage::jobs::LOST_TWICE
        ));
        let e = LabError::DeviceTimeout { limit_s: 9 };
        assert_eq!(error_of(&error_text(&e)).to_string(), e.to_string());
    }
}
