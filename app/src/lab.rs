//! The lab behind a trait (server only): the app asks for devices, runs and sweeps;
//! the server implements it with the engine, a fair queue and the runs table.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::sync::watch;

pub use crate::request::client::{ClientKey, Owner};

use lab_types::{
    CompileError, DeviceList, ExperimentRequest, ExperimentResult, JobStatus, LabError, LimitsView,
    PuzzleOutcome, PuzzleTask, QueueView, RoofsView, RunParams, RunReport, TimingParams,
    TimingReport,
};

/// A boxed future, so that `Lab` stays object-safe (`Arc<dyn Lab>`).
pub type LabFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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
                    message: e.to_string(),
                },
            },
        }
    }
}

/// A submitted experiment. Its id is also the id of the saved run.
///
/// Holding a `Job` is what tells the lab that a client still wants it: once
/// every copy (the waiting form post, the API request, the progress stream)
/// is dropped, the lab cancels the job after a short grace period.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: String,
    state: watch::Receiver<JobState>,
    _interest: Arc<()>,
}

impl Job {
    pub fn new(id: String, state: watch::Receiver<JobState>, interest: Arc<()>) -> Self {
        Job {
            id,
            state,
            _interest: interest,
        }
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
                return Err(LabError::internal("the job ended without an outcome"));
            }
        }
    }
}

/// Everything the app needs from the lab. Work runs off the async workers; at most
/// one measurement runs per device at a time.
pub trait Lab: Send + Sync + 'static {
    /// Adapters under `visibility` (`None` = the server setting).
    fn devices(&self, visibility: Option<String>) -> LabFuture<'_, Result<DeviceList, LabError>>;

    fn limits(&self) -> LimitsView;

    /// Checks a request as `submit` would (parameters, limits, visible devices,
    /// the owner's share, room in the queue) without queuing it, so that
    /// callers can refuse before writing anything (e.g. creating a learner).
    fn validate<'a>(
        &'a self,
        request: &'a ExperimentRequest,
        owner: Owner,
    ) -> LabFuture<'a, Result<(), LabError>>;

    /// Queues an experiment for `owner` and returns at once; refuses with
    /// `TooManyJobs` when the owner's learner already has one running and one
    /// waiting job, or its client its share of the queue,
    /// `QueueFull` when too many are waiting, or with a parameter error. The
    /// result is saved as run `job.id` (for the owner's learner, if any)
    /// before the job reports `Finished`.
    fn submit(
        &self,
        request: ExperimentRequest,
        owner: Owner,
    ) -> LabFuture<'_, Result<Job, LabError>>;

    /// A job submitted earlier (for progress streams), while the lab keeps it.
    fn job<'a>(&'a self, id: &'a str) -> LabFuture<'a, Option<Job>>;

    /// Asks `owner`'s job to stop: a queued job leaves the queue; a sweep stops
    /// between points. `false` when there is no such unfinished job of theirs.
    fn cancel<'a>(&'a self, id: &'a str, owner: Owner) -> LabFuture<'a, bool>;

    fn queue(&self) -> LabFuture<'_, QueueView>;

    /// The timing lesson's measurement (queued on the GPU like any run, and
    /// counted in the owner's share): `(a fresh id, the report)`. The caller
    /// keeps the report for a while (`lab_storage::timing_reports`).
    fn timing_demo(
        &self,
        params: TimingParams,
        owner: Owner,
    ) -> LabFuture<'_, Result<(String, TimingReport), LabError>>;

    /// Whether the kernel playground is on (a setting turns it off).
    fn playground_enabled(&self) -> bool;

    /// What can be said about a puzzle kernel without running it: `Err` for a
    /// bound it breaks (or the playground being off), `Ok(Some(_))` for a
    /// compile error, `Ok(None)` when it may be queued. Checked in a sandbox
    /// process, never in the web process.
    fn check_puzzle(
        &self,
        task: PuzzleTask,
    ) -> LabFuture<'_, Result<Option<CompileError>, LabError>>;

    /// Checks and times a puzzle kernel on the GPU in a sandbox process under
    /// one deadline: queued like any run, in the owner's share (its learner's,
    /// if it has one, and its client's).
    fn run_puzzle(
        &self,
        task: PuzzleTask,
        owner: Owner,
    ) -> LabFuture<'_, Result<PuzzleOutcome, LabError>>;

    /// The roofs measured in this process so far (never measures).
    fn roofs(&self) -> RoofsView;

    /// Measures the peak arithmetic and memory bandwidth of the CPU and of
    /// the server's GPU, once per process: queued on both devices like a run,
    /// in the owner's share. Once measured, answers at once with the kept roofs.
    fn measure_roofs(&self, owner: Owner) -> LabFuture<'_, Result<RoofsView, LabError>>;

    /// Turns true once the server is shutting down (progress streams end).
    fn stopping(&self) -> watch::Receiver<bool>;

    /// Submits a single run and waits for it: `(run id, result)`.
    fn run(
        &self,
        params: RunParams,
        owner: Owner,
    ) -> LabFuture<'_, Result<(String, RunReport), LabError>> {
        Box::pin(async move {
            let job = self.submit(ExperimentRequest::Run(params), owner).await?;
            let id = job.id.clone();
            match job.outcome().await? {
                ExperimentResult::Run(view) => Ok((id, view)),
                ExperimentResult::Sweep(_) => Err(LabError::internal("a run produced a sweep")),
            }
        })
    }
}
