//! Queued experiments, saved runs and the bounds a form shows.

use serde::{Deserialize, Serialize};

use crate::report::ExperimentResult;

/// Progress of a queued experiment, as the page receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting; `position` 1 = next to run.
    Queued {
        position: usize,
    },
    /// `step` of `of` measurements is running (a single run is 1 of 1).
    Running {
        step: usize,
        of: usize,
        what: String,
    },
    /// Saved as run `run_id`.
    Done {
        run_id: String,
    },
    Failed {
        message: String,
    },
    Cancelled,
}

impl JobStatus {
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            JobStatus::Done { .. } | JobStatus::Failed { .. } | JobStatus::Cancelled
        )
    }
}

/// The queue, for a status line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct QueueView {
    pub running: usize,
    pub waiting: usize,
    pub capacity: usize,
    /// Measurements started since the server started.
    #[serde(default)]
    pub started: u64,
    /// The most measurements ever seen running at once on the GPU, and on the
    /// CPU (counted where the work runs, not by the queue): 1 proves that no
    /// two measurements ever overlapped on a device.
    #[serde(default)]
    pub peak_on_gpu: usize,
    #[serde(default)]
    pub peak_on_cpu: usize,
    /// Kernel sandbox processes started (checker, runner): each restart after
    /// a kernel was stopped counts one.
    #[serde(default)]
    pub sandbox_starts: [u64; 2],
    /// How long the last start of each took, in ms (the runner opens its GPU).
    #[serde(default)]
    pub sandbox_start_ms: [f64; 2],
}

/// Per-request bounds, for form hints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitsView {
    pub max_n: usize,
    pub max_batch: usize,
    pub max_repeats: usize,
    pub max_warmup: usize,
    pub cpu_threads: usize,
}

/// A saved experiment, as its shareable page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    pub id: String,
    pub kind: String,
    pub adapter: String,
    pub created_at: String,
    pub result: ExperimentResult,
}

/// A row of the history list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: String,
    pub kind: String,
    pub adapter: String,
    pub created_at: String,
    /// "medium, n = 4096, b = 64, both".
    pub title: String,
}
