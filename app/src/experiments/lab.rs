//! The lab behind a trait (server only): the app asks for devices, runs and sweeps;
//! the server implements it with the engine, a fair queue and the runs table.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::watch;

use super::types::{
    DevicesView, ExperimentRequest, ExperimentResult, JobStatus, LimitsView, QueueView, RunParams,
    RunView, TimingParams, TimingView,
};

/// A boxed future, so that `Lab` stays object-safe (`Arc<dyn Lab>`).
pub type LabFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why the lab refused or failed a request. Client errors carry a message meant
/// for the learner; `Internal` carries detail for the log only.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
    /// The learner cancelled it (409).
    #[error("the experiment was cancelled")]
    Cancelled,
    /// No such job or run (404).
    #[error("no such experiment")]
    NotFound,
    /// A failure of the machine, driver or database (500); never shown to clients.
    #[error("internal lab error: {0}")]
    Internal(String),
}

impl LabError {
    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            LabError::InvalidParam { .. } => 400,
            LabError::LimitExceeded { .. } => 422,
            LabError::NoGpuVisible(_) | LabError::Cancelled => 409,
            LabError::QueueFull { .. } => 429,
            LabError::NotFound => 404,
            LabError::Internal(_) => 500,
        }
    }

    /// The parameter a client error is about.
    pub fn field(&self) -> Option<&str> {
        match self {
            LabError::InvalidParam { field, .. } | LabError::LimitExceeded { field, .. } => {
                Some(field)
            }
            LabError::NoGpuVisible(_) => Some("visible_devices"),
            _ => None,
        }
    }

    /// What a client may see: the message of a client error, a generic line for
    /// internal ones (whose detail the lab logs where it happens).
    pub fn public_message(&self) -> String {
        match self {
            LabError::Internal(_) => {
                "the experiment failed on the server; the details are in the server log".to_string()
            }
            other => other.to_string(),
        }
    }

    pub fn retry_after_s(&self) -> Option<u64> {
        match self {
            LabError::QueueFull { retry_after_s, .. } => Some(*retry_after_s),
            _ => None,
        }
    }
}

/// Where a job is, as the lab sees it: progress, then its saved outcome.
#[derive(Debug, Clone)]
pub enum JobState {
    Queued {
        position: usize,
    },
    Running {
        step: usize,
        of: usize,
        what: String,
    },
    Finished(Arc<Result<ExperimentResult, LabError>>),
}

impl JobState {
    /// What the page is told (the job id is also the saved run's id).
    pub fn status(&self, job_id: &str) -> JobStatus {
        match self {
            JobState::Queued { position } => JobStatus::Queued {
                position: *position,
            },
            JobState::Running { step, of, what } => JobStatus::Running {
                step: *step,
                of: *of,
                what: what.clone(),
            },
            JobState::Finished(outcome) => match outcome.as_ref() {
                Ok(_) => JobStatus::Done {
                    run_id: job_id.to_string(),
                },
                Err(LabError::Cancelled) => JobStatus::Cancelled,
                Err(e) => JobStatus::Failed {
                    message: e.public_message(),
                },
            },
        }
    }
}

/// A submitted experiment. Its id is also the id of the saved run.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    state: watch::Receiver<JobState>,
}

impl Job {
    pub fn new(id: String, state: watch::Receiver<JobState>) -> Self {
        Job { id, state }
    }

    /// The current state, marked as seen (so `changed` waits for a newer one).
    pub fn state(&mut self) -> JobState {
        self.state.borrow_and_update().clone()
    }

    /// Waits for the next change; `false` once the lab dropped the job.
    pub async fn changed(&mut self) -> bool {
        self.state.changed().await.is_ok()
    }

    /// Waits until the job has finished (and, when it succeeded, was saved).
    pub async fn outcome(mut self) -> Result<ExperimentResult, LabError> {
        loop {
            if let JobState::Finished(outcome) = &*self.state.borrow_and_update() {
                return outcome.as_ref().clone();
            }
            if self.state.changed().await.is_err() {
                return Err(LabError::Internal(
                    "the job ended without an outcome".into(),
                ));
            }
        }
    }
}

/// Everything the app needs from the lab. Work runs off the async workers; at most
/// one measurement runs per device at a time.
pub trait Lab: Send + Sync + 'static {
    /// Adapters under `visibility` (`None` = the server setting).
    fn devices(&self, visibility: Option<String>) -> LabFuture<'_, Result<DevicesView, LabError>>;

    fn limits(&self) -> LimitsView;

    /// Queues an experiment for `learner_id` and returns at once; refuses with
    /// `QueueFull` when too many are waiting, or with a parameter error. The
    /// result is saved as run `job.id` before the job reports `Finished`.
    fn submit(&self, request: ExperimentRequest, learner_id: Option<i64>) -> Result<Job, LabError>;

    /// A job submitted earlier (for progress streams), while the lab keeps it.
    fn job(&self, id: &str) -> Option<Job>;

    /// Asks a job to stop: a queued job leaves the queue; a sweep stops between
    /// points. `false` when there is no such running job.
    fn cancel(&self, id: &str) -> bool;

    fn queue(&self) -> QueueView;

    /// The timing lesson's measurement (queued on the GPU like any run; not saved).
    fn timing_demo(&self, params: TimingParams) -> LabFuture<'_, Result<TimingView, LabError>>;

    /// Submits a single run and waits for it: `(run id, result)`.
    fn run(
        &self,
        params: RunParams,
        learner_id: Option<i64>,
    ) -> LabFuture<'_, Result<(String, RunView), LabError>> {
        let job = self.submit(ExperimentRequest::Run(params), learner_id);
        Box::pin(async move {
            let job = job?;
            let id = job.id.clone();
            match job.outcome().await? {
                ExperimentResult::Run(view) => Ok((id, view)),
                ExperimentResult::Sweep(_) => {
                    Err(LabError::Internal("a run produced a sweep".into()))
                }
            }
        })
    }
}
