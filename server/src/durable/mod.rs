//! The lab of a web instance that shares a PostgreSQL database with other
//! instances and with lab workers (`inference-lab worker`): it has no engine.
//! It validates requests against what the live workers advertise, admits
//! jobs into `lab_jobs` (the one queue every instance shares), follows their
//! progress there, and reads their answers back. The workers run them
//! (`crate::worker`).
//!
//! What a learner sees is what the embedded lab shows: a place in line, then
//! each step, then the saved run; a refusal at once when no worker is live.

mod fleet;
mod followers;
pub(crate) mod listen;
mod reaper;
pub(crate) mod task;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::lab::{Job, Lab, LabFuture, Owner};
use lab_engine::Catalog;
use lab_storage::db::{now_ms, Db};
use lab_storage::jobs::{self, JobOwner, Needs, NewJob, Refused, Share};
use lab_types::{
    CompileError, DeviceList, DeviceRoofs, ExperimentRequest, LabError, LimitsView, PuzzleOutcome,
    PuzzleTask, QueueView, RoofsState, RoofsView, TimingParams, TimingReport, VisibilitySource,
};
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::lab::kernels::{KernelSettings, Kernels};
use crate::lab::roofs::RoofsProgress;
use fleet::{catalog_for, Fleet};
use followers::Followers;
use task::LabTask;

/// A rough guess of one job's duration, for `Retry-After`.
const TYPICAL_JOB_S: u64 = 10;
/// What a learner is told at once when no live worker could run a job.
const MESSAGE_NO_WORKER: &str = "no lab worker that can run this is connected right now, so \
     nothing can be measured; ask your teacher to start one (inference-lab worker)";

#[derive(Debug, Clone)]
pub(crate) struct DurableConfig {
    /// Jobs that may wait, all instances together.
    pub queue_capacity: usize,
    /// Jobs one client may have running and waiting, all instances together.
    pub client_share: usize,
    /// How long a job nobody follows is kept before the reaper cancels it.
    pub abandon_grace: Duration,
    /// How long a job may wait in line before it fails.
    pub queue_wait: Duration,
    /// The longest a request waits for a job's answer (a kernel, a timing
    /// demo, the roofs), in line and running.
    pub answer_wait: Duration,
    pub playground: bool,
    /// The checker sandbox (naga only: it needs no GPU).
    pub kernels: KernelSettings,
}

pub(crate) struct DurableLab {
    db: Db,
    fleet: Arc<Fleet>,
    followers: Arc<Followers>,
    checker: Option<Kernels>,
    roofs: Mutex<Option<Vec<DeviceRoofs>>>,
    roofs_progress: RoofsProgress,
    config: DurableConfig,
    stopping: watch::Sender<bool>,
}

impl DurableLab {
    pub(crate) fn new(config: DurableConfig, db: Db) -> Arc<Self> {
        let stopping = watch::channel(false).0;
        let followers = Arc::new(Followers::default());
        followers.spawn_poller(db.clone(), config.abandon_grace, stopping.subscribe());
        let woken = followers.clone();
        listen::spawn(
            &db,
            jobs::CHANGED,
            move |_| woken.wake(),
            stopping.subscribe(),
        );
        reaper::spawn(db.clone(), config.queue_wait, stopping.subscribe());
        Arc::new(DurableLab {
            fleet: Fleet::new(db.clone()),
            followers,
            checker: config.playground.then(|| Kernels::new(&config.kernels)),
            roofs: Mutex::new(None),
            roofs_progress: RoofsProgress::default(),
            db,
            config,
            stopping,
        })
    }

    /// New jobs are refused, progress streams end, waiting answers too.
    pub(crate) fn shut_down(&self) {
        self.stopping.send_replace(true);
    }

    fn refuse_when_stopping(&self) -> Result<(), LabError> {
        if *self.stopping.borrow() {
            return Err(LabError::ShuttingDown);
        }
        Ok(())
    }

    /// The catalog a job needing `gpu` is checked against, or the refusal a
    /// learner gets at once when no live worker could run it.
    async fn catalog(&self, gpu: bool) -> Result<Catalog, LabError> {
        self.refuse_when_stopping()?;
        let offers = self.fleet.offers_for(Needs { gpu, cpu: false }).await;
        catalog_for(&offers, gpu)
            .cloned()
            .ok_or_else(|| LabError::WorkerUnavailable(MESSAGE_NO_WORKER.into()))
    }

    /// The devices a job holds: a software GPU runs on the CPU's cores.
    fn needs(catalog: &Catalog, gpu: bool, cpu: bool, visibility: Option<&str>) -> Needs {
        Needs {
            gpu,
            cpu: cpu || (gpu && catalog.gpu_is_software(visibility)),
        }
    }

    async fn checked_experiment(&self, request: &ExperimentRequest) -> Result<Needs, LabError> {
        let device = request.device();
        let catalog = self.catalog(device.uses_gpu()).await?;
        if let Some((field, why)) = request.without_its_gpu() {
            return Err(LabError::invalid(field, why));
        }
        catalog.check_all(&request.runs())?;
        let visibility = request
            .runs()
            .first()
            .and_then(|p| p.visible_devices.clone());
        let needs = Self::needs(
            &catalog,
            device.uses_gpu(),
            device.uses_cpu(),
            visibility.as_deref(),
        );
        if !fleet::can_serve(&self.fleet.offers_for(needs).await, needs) {
            return Err(LabError::WorkerUnavailable(MESSAGE_NO_WORKER.into()));
        }
        Ok(needs)
    }

    fn share(&self) -> Share {
        Share {
            capacity: self.config.queue_capacity as i64,
            per_client: self.config.client_share.max(1) as i64,
        }
    }

    /// Admits `task` for `owner` into the shared queue; answers its id.
    async fn enqueue(
        &self,
        task: &LabTask,
        needs: Needs,
        owner: Owner,
    ) -> Result<String, LabError> {
        let id =
            lab_storage::runs::new_run_id().map_err(|e| LabError::failed("a new run id", e))?;
        let (kind, params) = task
            .to_columns()
            .map_err(|e| LabError::failed("a job's parameters", e))?;
        let client = owner.client().to_string();
        let now = self
            .db
            .clock_ms()
            .await
            .map_err(|e| LabError::failed("the database's clock", e))?;
        let admitted = jobs::enqueue(
            &self.db,
            NewJob {
                id: &id,
                kind: &kind,
                params: &params,
                needs,
                owner: JobOwner {
                    learner: owner.learner(),
                    client: &client,
                },
                followed_until_ms: now + self.config.abandon_grace.as_millis() as i64,
            },
            self.share(),
            now,
        )
        .await
        .map_err(|e| LabError::failed("admitting a job", e))?;
        admitted.map_err(refused)?;
        if let Err(e) = jobs::notify(&self.db, jobs::QUEUED, &id).await {
            // The workers' poll finds it a moment later.
            tracing::warn!(error = %e, "announcing a new job failed");
        }
        Ok(id)
    }

    /// Runs `task` on a worker and waits (boundedly) for its answer.
    async fn ask<T: DeserializeOwned>(
        &self,
        task: LabTask,
        needs: Needs,
        owner: Owner,
    ) -> Result<(String, T), LabError> {
        let id = self.enqueue(&task, needs, owner).await?;
        let answer = self.followers.answer(&id);
        let mut stopping = self.stopping.subscribe();
        let outcome = tokio::select! {
            answer = tokio::time::timeout(self.config.answer_wait, answer.wait()) => answer,
            _ = stopping.wait_for(|s| *s) => Ok(Err(LabError::ShuttingDown)),
        };
        let json = match outcome {
            Ok(answer) => answer?,
            Err(_) => {
                let client = owner.client().to_string();
                let owner = JobOwner {
                    learner: owner.learner(),
                    client: &client,
                };
                let _ = jobs::cancel(&self.db, &id, owner, now_ms()).await;
                return Err(LabError::QueueTimeout {
                    waited_s: self.config.answer_wait.as_secs(),
                });
            }
        };
        let value =
            serde_json::from_str(&json).map_err(|e| LabError::failed("a job's answer", e))?;
        Ok((id, value))
    }
}

fn refused(e: Refused) -> LabError {
    match e {
        Refused::Full { waiting, .. } => LabError::QueueFull {
            waiting: waiting as usize,
            retry_after_s: (TYPICAL_JOB_S * (waiting as u64 + 1)).min(120),
        },
        Refused::OwnerBusy => LabError::TooManyJobs {
            retry_after_s: TYPICAL_JOB_S,
        },
        Refused::ClientBusy { jobs } => LabError::NetworkBusy {
            jobs: jobs as usize,
            retry_after_s: TYPICAL_JOB_S,
        },
    }
}

/// The device list when no worker is live: nothing, and why.
fn no_devices() -> DeviceList {
    let mut list = DeviceList::new(
        Vec::new(),
        lab_engine::parse_visible_devices(None, 0),
        VisibilitySource::Unset,
        0,
    );
    list.no_gpu_message = Some(format!("No GPU is available: {MESSAGE_NO_WORKER}."));
    list
}

impl Lab for DurableLab {
    fn devices(&self, visibility: Option<String>) -> LabFuture<'_, Result<DeviceList, LabError>> {
        Box::pin(async move {
            let offers = self.fleet.offers().await;
            Ok(
                match catalog_for(&offers, true).or_else(|| catalog_for(&offers, false)) {
                    Some(catalog) => catalog.devices(visibility.as_deref()),
                    None => no_devices(),
                },
            )
        })
    }

    fn limits(&self) -> LimitsView {
        let offers = self.fleet.cached();
        let catalog = catalog_for(&offers, true).or_else(|| catalog_for(&offers, false));
        let (limits, cpu_threads) = match catalog {
            Some(c) => (c.limits.clone(), c.cpu_threads),
            None => (lab_engine::Limits::default(), 0),
        };
        LimitsView {
            max_n: limits.max_n,
            max_batch: limits.max_batch,
            max_repeats: limits.max_repeats,
            max_warmup: limits.max_warmup,
            cpu_threads,
        }
    }

    fn validate<'a>(
        &'a self,
        request: &'a ExperimentRequest,
        owner: Owner,
    ) -> LabFuture<'a, Result<(), LabError>> {
        Box::pin(async move {
            self.checked_experiment(request).await?;
            // So that a refusal writes nothing (no learner, no cookie);
            // admission counts again under the queue's lock.
            let client = owner.client().to_string();
            let theirs = JobOwner {
                learner: owner.learner(),
                client: &client,
            };
            jobs::room(&self.db, theirs, self.share())
                .await
                .map_err(|e| LabError::failed("counting the queue", e))?
                .map_err(refused)
        })
    }

    fn submit(
        &self,
        request: ExperimentRequest,
        owner: Owner,
    ) -> LabFuture<'_, Result<Job, LabError>> {
        Box::pin(async move {
            let needs = self.checked_experiment(&request).await?;
            let id = self
                .enqueue(&LabTask::Experiment(request), needs, owner)
                .await?;
            Ok(self.followers.experiment(&id))
        })
    }

    fn job<'a>(&'a self, id: &'a str) -> LabFuture<'a, Option<Job>> {
        Box::pin(async move {
            if !lab_storage::runs::is_run_id(id) {
                return None;
            }
            match jobs::view(&self.db, id).await {
                Ok(Some(view)) if view.kind == task::EXPERIMENT => {
                    Some(self.followers.experiment(id))
                }
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "reading a job failed");
                    None
                }
            }
        })
    }

    fn cancel<'a>(&'a self, id: &'a str, owner: Owner) -> LabFuture<'a, bool> {
        Box::pin(async move {
            let client = owner.client().to_string();
            let theirs = JobOwner {
                learner: owner.learner(),
                client: &client,
            };
            let done = match jobs::cancel(&self.db, id, theirs, now_ms()).await {
                Ok(done) => done,
                Err(e) => {
                    tracing::warn!(error = %e, "cancelling a job failed");
                    return false;
                }
            };
            let channel = match done {
                jobs::Cancel::NotFound => return false,
                jobs::Cancel::Dequeued => jobs::CHANGED,
                // The worker running it stops within one batch.
                jobs::Cancel::Asked => jobs::CANCEL,
            };
            if let Err(e) = jobs::notify(&self.db, channel, id).await {
                tracing::warn!(error = %e, "announcing a cancel failed (the heartbeat carries it)");
            }
            self.followers.wake();
            true
        })
    }

    fn queue(&self) -> LabFuture<'_, QueueView> {
        Box::pin(async move {
            let (running, waiting) = jobs::counts(&self.db).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "counting jobs failed");
                (0, 0)
            });
            QueueView {
                running: running as usize,
                waiting: waiting as usize,
                capacity: self.config.queue_capacity,
                started: 0,
                peak_on_gpu: 0,
                peak_on_cpu: 0,
                sandbox_starts: [0; 2],
                sandbox_start_ms: [0.0; 2],
            }
        })
    }

    fn timing_demo(
        &self,
        params: TimingParams,
        owner: Owner,
    ) -> LabFuture<'_, Result<(String, TimingReport), LabError>> {
        Box::pin(async move {
            let catalog = self.catalog(true).await?;
            catalog.check_timing_demo(&params)?;
            let needs = Self::needs(&catalog, true, false, params.visible_devices.as_deref());
            self.ask(LabTask::Timing(params), needs, owner).await
        })
    }

    fn playground_enabled(&self) -> bool {
        self.config.playground
    }

    fn check_puzzle(
        &self,
        task: PuzzleTask,
    ) -> LabFuture<'_, Result<Option<CompileError>, LabError>> {
        Box::pin(async move {
            self.refuse_when_stopping()?;
            let checker = self
                .checker
                .as_ref()
                .ok_or_else(|| LabError::TurnedOff("the kernel playground".into()))?;
            let catalog = self.catalog(true).await?;
            checker.check(task, catalog.kernel_limits(None)).await
        })
    }

    fn run_puzzle(
        &self,
        task: PuzzleTask,
        owner: Owner,
    ) -> LabFuture<'_, Result<PuzzleOutcome, LabError>> {
        Box::pin(async move {
            if self.checker.is_none() {
                return Err(LabError::TurnedOff("the kernel playground".into()));
            }
            let catalog = self.catalog(true).await?;
            let needs = Self::needs(&catalog, true, false, None);
            Ok(self.ask(LabTask::Kernel(task), needs, owner).await?.1)
        })
    }

    fn roofs(&self) -> RoofsView {
        let measured = self.roofs.lock().map(|r| r.clone()).unwrap_or_default();
        self.roofs_progress.view(measured)
    }

    fn measure_roofs(&self, owner: Owner) -> LabFuture<'_, Result<RoofsView, LabError>> {
        Box::pin(async move {
            if let Some(roofs) = self.roofs.lock().ok().and_then(|r| r.clone()) {
                return Ok(self.roofs_progress.view(Some(roofs)));
            }
            let catalog = self.catalog(true).await?;
            // Both probes need every device to themselves.
            let needs = Self::needs(&catalog, true, true, None);
            self.roofs_progress.set(RoofsState::Measuring);
            match self
                .ask::<Vec<DeviceRoofs>>(LabTask::Roofs, needs, owner)
                .await
            {
                Ok((_, roofs)) => {
                    self.roofs_progress.set(RoofsState::NotMeasured);
                    if let Ok(mut kept) = self.roofs.lock() {
                        *kept = Some(roofs.clone());
                    }
                    Ok(self.roofs_progress.view(Some(roofs)))
                }
                Err(e) => {
                    self.roofs_progress.set(RoofsState::Failed {
                        message: e.to_string(),
                    });
                    Err(e)
                }
            }
        })
    }

    fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}
