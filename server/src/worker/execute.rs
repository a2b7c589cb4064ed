//! Runs one claimed job with the engine and records how it ended, every
//! write fenced by the claim's attempt.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::lab::JobState;
use lab_engine::Engine;
use lab_storage::db::{now_ms, Db};
use lab_storage::jobs::{self, Claimed, JobError};
use lab_types::{ExperimentRequest, ExperimentResult, JobStatus, LabError};
use serde::Serialize;
use tokio::sync::{watch, Notify};

use super::{lease, Current};
use crate::durable::task::{error_text, LabTask};
use crate::lab::kernels::Kernels;
use crate::lab::occupancy::Occupancy;
use crate::lab::runner::{self, Progress, Runner};

/// Progress writes are at most this frequent (a sweep's points are slower).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

pub(crate) struct Executor {
    pub db: Db,
    pub engine: Arc<Engine>,
    pub kernels: Option<Kernels>,
    pub current: Current,
    pub stop_deadline: Duration,
    pub lease: Duration,
    pub heartbeat: Duration,
}

/// What a job produced.
enum Done {
    /// An experiment: saved in `runs`.
    Run(Box<(ExperimentRequest, ExperimentResult)>),
    /// Anything else: its answer's JSON, kept on the job.
    Answer(String),
}

#[derive(Debug, thiserror::Error)]
enum RecordError {
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Run(#[from] lab_storage::runs::StoreError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// A claimed job's progress, written to its row by a task of its own.
struct DbProgress {
    status: watch::Sender<Option<JobStatus>>,
    stop: Arc<AtomicBool>,
}

impl Progress for DbProgress {
    fn report(&self, state: JobState) {
        if let JobState::Running { step, of, what } = state {
            self.status
                .send_replace(Some(JobStatus::Running { step, of, what }));
        }
    }

    fn is_cancelled(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

impl Executor {
    /// Runs `job` to its end (or its stop), holding its lease meanwhile.
    pub(crate) async fn run(&self, job: Claimed, mut stopping: watch::Receiver<bool>) {
        let stop = Arc::new(AtomicBool::new(false));
        let fenced = Arc::new(AtomicBool::new(false));
        let shutdown = Arc::new(AtomicBool::new(false));
        self.set_current(Some((job.id.clone(), stop.clone())));
        tracing::info!(job = %job.id, attempt = job.attempt, kind = %job.kind, "running a job");
        let lease = lease::hold(
            self.db.clone(),
            job.id.clone(),
            job.attempt,
            (self.lease, self.heartbeat),
            stop.clone(),
            fenced.clone(),
        );
        // SIGTERM: the job may finish within the deadline, then it stops.
        let deadline = {
            let (stop, shutdown, grace) = (stop.clone(), shutdown.clone(), self.stop_deadline);
            tokio::spawn(async move {
                let _ = stopping.wait_for(|s| *s).await;
                tokio::time::sleep(grace).await;
                shutdown.store(true, Ordering::Relaxed);
                stop.store(true, Ordering::Relaxed);
            })
        };
        let ended = Arc::new(Notify::new());
        let (status, writer) = self.progress_writer(&job, ended.clone());
        let progress = DbProgress {
            status,
            stop: stop.clone(),
        };
        let outcome = self.perform(&job, &progress, stop).await;
        // The end supersedes any progress not yet written: the writer stops
        // at once (a write under way completes first).
        ended.notify_one();
        drop(progress);
        let _ = writer.await;
        lease.abort();
        deadline.abort();
        self.set_current(None);
        let shutdown = shutdown.load(Ordering::Relaxed);
        match self.record(&job, outcome, shutdown).await {
            Ok(()) => {}
            Err(RecordError::Job(JobError::Fenced(_))) => tracing::warn!(
                job = %job.id,
                attempt = job.attempt,
                lost_lease = fenced.load(Ordering::Relaxed),
                "the job's end was not recorded: another attempt owns it now"
            ),
            Err(e) => tracing::error!(job = %job.id, error = %e, "recording a job's end failed"),
        }
        if let Err(e) = jobs::notify(&self.db, jobs::CHANGED, &job.id).await {
            tracing::warn!(error = %e, "announcing a job's end failed");
        }
    }

    fn set_current(&self, job: Option<(String, Arc<AtomicBool>)>) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = job;
    }

    /// A task that writes each new progress to the job's row (fenced) and
    /// announces it, at most every `PROGRESS_EVERY`; it ends when `ended`
    /// is notified or the sender dropped.
    fn progress_writer(
        &self,
        job: &Claimed,
        ended: Arc<Notify>,
    ) -> (
        watch::Sender<Option<JobStatus>>,
        tokio::task::JoinHandle<()>,
    ) {
        let (tx, mut rx) = watch::channel(None::<JobStatus>);
        let (db, id, attempt) = (self.db.clone(), job.id.clone(), job.attempt);
        let writer = tokio::spawn(async move {
            loop {
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() { return },
                    _ = ended.notified() => return,
                }
                let Some(json) = rx
                    .borrow_and_update()
                    .as_ref()
                    .and_then(|s| serde_json::to_string(s).ok())
                else {
                    continue;
                };
                match jobs::progress(&db, &id, attempt, &json).await {
                    Ok(()) => {
                        let _ = jobs::notify(&db, jobs::CHANGED, &id).await;
                    }
                    Err(JobError::Fenced(_)) => return,
                    Err(e) => tracing::warn!(job = %id, error = %e, "writing progress failed"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(PROGRESS_EVERY) => {}
                    _ = ended.notified() => return,
                }
            }
        });
        (tx, writer)
    }

    async fn perform(
        &self,
        job: &Claimed,
        progress: &DbProgress,
        stop: Arc<AtomicBool>,
    ) -> Result<Done, LabError> {
        let task = LabTask::from_columns(&job.kind, &job.params)
            .map_err(|e| LabError::failed("a job's parameters", e))?;
        let engine = self.engine.clone();
        match task {
            LabTask::Experiment(request) => {
                // The web instance checked against an advertised catalog;
                // this worker's engine has the last word.
                runner::validate(&engine, &request)?;
                let device = request.device();
                let visibility = request
                    .runs()
                    .first()
                    .and_then(|p| p.visible_devices.clone());
                let software = device.uses_gpu() && engine.gpu_is_software(visibility.as_deref());
                let runner = Runner {
                    engine,
                    occupancy: Arc::new(Occupancy::default()),
                    needs: jobs::Needs {
                        gpu: device.uses_gpu(),
                        cpu: device.uses_cpu() || software,
                    },
                    stop,
                };
                let result = runner.execute(&request, progress).await?;
                Ok(Done::Run(Box::new((request, result))))
            }
            LabTask::Timing(params) => {
                let report = tokio::task::spawn_blocking(move || engine.timing_demo(&params))
                    .await
                    .map_err(|e| LabError::failed("timing demo thread", e))??;
                answer(&report)
            }
            LabTask::Kernel(task) => {
                let kernels = self
                    .kernels
                    .as_ref()
                    .ok_or_else(|| LabError::TurnedOff("the kernel playground".into()))?;
                let deadline = kernels.deadline(engine.gpu_is_software(None));
                answer(&kernels.run(task, deadline, ()).await?)
            }
            LabTask::Roofs => {
                let roofs = tokio::task::spawn_blocking(move || engine.roofs())
                    .await
                    .map_err(|e| LabError::failed("roofs thread", e))??;
                answer(&roofs)
            }
        }
    }

    async fn record(
        &self,
        job: &Claimed,
        outcome: Result<Done, LabError>,
        shutdown: bool,
    ) -> Result<(), RecordError> {
        let (db, id, attempt, now) = (&self.db, job.id.as_str(), job.attempt, now_ms());
        match outcome {
            Ok(Done::Run(run)) => {
                let (request, result) = *run;
                let mut tx = jobs::begin_finish(db, id, attempt, now, None).await?;
                let title = app::experiments::describe::request_title(&request);
                lab_storage::runs::save_run_in(
                    &mut tx,
                    id,
                    job.learner_id,
                    &request,
                    &title,
                    &result,
                )
                .await?;
                tx.commit().await?;
            }
            Ok(Done::Answer(json)) => {
                jobs::begin_finish(db, id, attempt, now, Some(&json))
                    .await?
                    .commit()
                    .await?;
            }
            Err(LabError::Cancelled) if shutdown => {
                jobs::fail(db, id, attempt, &error_text(&LabError::ShuttingDown), now).await?;
            }
            Err(LabError::Cancelled) => jobs::stopped(db, id, attempt, now).await?,
            Err(e) => {
                if let Some(detail) = e.log_detail() {
                    tracing::error!(job = %id, %detail, "a job failed");
                }
                jobs::fail(db, id, attempt, &error_text(&e), now).await?;
            }
        }
        Ok(())
    }
}

fn answer(value: &impl Serialize) -> Result<Done, LabError> {
    serde_json::to_string(value)
        .map(Done::Answer)
        .map_err(|e| LabError::failed("a job's answer", e))
}
