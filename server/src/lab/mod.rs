//! The server's implementation of the app's `Lab`: the engine behind a fair
//! queue, with each finished experiment saved in the `runs` table.
//!
//! What keeps one server usable by a whole class:
//! - each owner (learner, or client address without a cookie) holds at most
//!   one running and one waiting job; the queue holds at most `queue_capacity`;
//! - a job on a software GPU also holds the CPU (the "GPU" is the CPU);
//! - a job nobody is waiting for any more is cancelled after `abandon_grace`;
//! - queue waits end at `queue_wait_limit`, GPU waits at the engine's limit;
//! - on shutdown queued jobs are cancelled and progress streams end.

mod jobs;
pub(crate) mod kernels;
pub(crate) mod occupancy;
mod queue;
pub(crate) mod roofs;
pub(crate) mod runner;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::lab::{Job, JobState, Lab, LabFuture, Owner};
use lab_engine::{Engine, EngineConfig};
use lab_storage::runs as store;
use lab_types::{
    CompileError, DeviceList, ExperimentRequest, ExperimentResult, LabError, LimitsView,
    PuzzleOutcome, PuzzleTask, QueueView, RoofsState, RoofsView, TimingParams, TimingReport,
};
use tokio::sync::watch;

use jobs::{JobHandle, JobRegistry};
pub(crate) use kernels::KernelSettings;
use kernels::Kernels;
use occupancy::{Occupancy, Occupied};
use queue::{FairQueue, Needs, Place, Refused, WaitEnded};
use roofs::RoofsProgress;
use runner::Runner;

#[derive(Debug, Clone)]
pub(crate) struct LabConfig {
    /// `LAB_VISIBLE_DEVICES` (`None` = unset: every GPU visible).
    pub visible_devices: Option<String>,
    /// Experiments that may wait; more get `QueueFull` (HTTP 429).
    pub queue_capacity: usize,
    /// How long a job may wait for its turn.
    pub queue_wait_limit: Duration,
    /// How many jobs one client (address, IPv6 /64) may have running and waiting.
    pub client_share: usize,
    /// How long a job nobody follows any more is kept before it is cancelled.
    pub abandon_grace: Duration,
    /// How long one wait for the GPU may take.
    pub gpu_wait_limit: Duration,
    /// The kernel playground (learners' WGSL on the server's GPU) is on.
    pub playground: bool,
    /// `--autotune`: `None` on hardware GPUs only.
    pub autotune: Option<bool>,
    /// How learners' kernels are checked and run (sandbox processes).
    pub kernels: KernelSettings,
}

pub(crate) struct EngineLab {
    engine: Arc<Engine>,
    queue: Arc<FairQueue>,
    occupancy: Arc<Occupancy>,
    jobs: Arc<JobRegistry>,
    roofs: RoofsProgress,
    /// The sandbox processes of the kernel playground (none when it is off).
    kernels: Option<Kernels>,
    pool: lab_storage::db::Db,
    config: LabConfig,
    stopping: watch::Sender<bool>,
}

/// How often the lab checks whether anyone still follows a job.
const INTEREST_CHECK: Duration = Duration::from_millis(250);

impl EngineLab {
    pub(crate) fn new(config: LabConfig, pool: lab_storage::db::Db) -> Arc<Self> {
        let engine = Arc::new(Engine::new(EngineConfig {
            visible_devices: config.visible_devices.clone(),
            gpu_wait_limit: config.gpu_wait_limit,
            autotune: config.autotune,
            ..Default::default()
        }));
        // Enumerate adapters now (driver start-up), off the async workers, so
        // the first request's checks do not pay for it.
        let warm = engine.clone();
        tokio::task::spawn_blocking(move || warm.devices(None));
        Arc::new(EngineLab {
            engine,
            queue: FairQueue::new(config.queue_capacity, config.client_share),
            occupancy: Arc::new(Occupancy::default()),
            jobs: Arc::new(JobRegistry::default()),
            roofs: RoofsProgress::default(),
            kernels: config.playground.then(|| Kernels::new(&config.kernels)),
            pool,
            config,
            stopping: watch::channel(false).0,
        })
    }

    /// Stops taking work: queued and running jobs are cancelled (a running
    /// measurement stops within one batch), new ones refused, progress streams end.
    pub(crate) fn shut_down(&self) {
        self.stopping.send_replace(true);
        self.jobs.cancel_all();
    }

    fn refused(e: Refused) -> LabError {
        match e {
            Refused::Full {
                waiting,
                retry_after_s,
                ..
            } => LabError::QueueFull {
                waiting,
                retry_after_s,
            },
            Refused::OwnerBusy { retry_after_s } => LabError::TooManyJobs { retry_after_s },
            Refused::ClientBusy {
                jobs,
                retry_after_s,
            } => LabError::NetworkBusy {
                jobs,
                retry_after_s,
            },
        }
    }

    fn wait_ended(&self, e: WaitEnded) -> LabError {
        match e {
            WaitEnded::Cancelled if *self.stopping.borrow() => LabError::ShuttingDown,
            WaitEnded::Cancelled => LabError::Cancelled,
            WaitEnded::Deadline(waited) => LabError::QueueTimeout {
                waited_s: waited.as_secs(),
            },
        }
    }

    /// Waits for `place`'s turn (until the queue's wait limit, or shutdown),
    /// then counts the devices it needs as busy. The caller keeps both guards
    /// until the work ends, even if its client has gone: the device is busy
    /// until then.
    async fn take_turn(&self, place: Place, needs: Needs) -> Result<(Place, Occupied), LabError> {
        self.queue
            .wait_turn(
                &place,
                |_| {},
                || *self.stopping.borrow(),
                self.config.queue_wait_limit,
            )
            .await
            .map_err(|e| self.wait_ended(e))?;
        let occupied = self.occupancy.enter(needs);
        Ok((place, occupied))
    }

    /// The devices a request occupies. A software GPU runs on the CPU's
    /// cores, so a job on it holds the CPU too: measuring both at once would
    /// make both numbers wrong.
    fn needs(&self, gpu: bool, cpu: bool, visibility: Option<&str>) -> Needs {
        let software_gpu = gpu && self.engine.gpu_is_software(visibility);
        Needs {
            gpu,
            cpu: cpu || software_gpu,
        }
    }

    fn request_needs(&self, request: &ExperimentRequest) -> Needs {
        let device = request.device();
        let visibility = request
            .runs()
            .first()
            .and_then(|p| p.visible_devices.clone());
        self.needs(device.uses_gpu(), device.uses_cpu(), visibility.as_deref())
    }

    /// The playground's sandboxes, unless stopping or turned off.
    fn kernels(&self) -> Result<&Kernels, LabError> {
        self.refuse_when_stopping()?;
        self.kernels
            .as_ref()
            .ok_or_else(|| LabError::TurnedOff("the kernel playground".into()))
    }

    /// Sandbox processes started so far: (checker, runner) each with the
    /// duration of its last start.
    pub(crate) fn sandbox_starts(&self) -> Option<[(u64, Duration); 2]> {
        self.kernels.as_ref().map(Kernels::starts)
    }

    fn refuse_when_stopping(&self) -> Result<(), LabError> {
        if *self.stopping.borrow() {
            return Err(LabError::ShuttingDown);
        }
        Ok(())
    }

    /// Cancels the job once nobody has followed it for `abandon_grace`.
    fn watch_interest(&self, handle: &JobHandle) {
        let (jobs, cancel, id) = (self.jobs.clone(), handle.cancel.clone(), handle.id.clone());
        let state = handle.state.subscribe();
        let grace = self.config.abandon_grace;
        tokio::spawn(async move {
            let mut alone_since: Option<Instant> = None;
            loop {
                tokio::time::sleep(INTEREST_CHECK).await;
                if matches!(*state.borrow(), JobState::Finished(_)) {
                    return;
                }
                if jobs.interest(&id) > 0 {
                    alone_since = None;
                    continue;
                }
                let since = *alone_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= grace {
                    tracing::info!(job = %id, "nobody follows the job any more: cancelled");
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                    return;
                }
            }
        });
    }

    /// Admits and starts an experiment (see `Lab::submit`).
    fn submit_now(&self, request: ExperimentRequest, owner: Owner) -> Result<Job, LabError> {
        self.refuse_when_stopping()?;
        runner::validate(&self.engine, &request)?;
        let needs = self.request_needs(&request);
        let place = self
            .queue
            .admit(needs, Some(owner))
            .map_err(Self::refused)?;
        let id = store::new_run_id().map_err(|e| LabError::failed("a new run id", e))?;
        let (handle, job) = self.jobs.create(id, owner);
        self.watch_interest(&handle);
        let runner = Runner {
            engine: self.engine.clone(),
            occupancy: self.occupancy.clone(),
            needs,
            stop: handle.cancel.clone(),
        };
        let (queue, pool, deadline) = (
            self.queue.clone(),
            self.pool.clone(),
            self.config.queue_wait_limit,
        );
        let stopping = self.stopping.subscribe();
        tokio::spawn(async move {
            let outcome = async {
                let waited = queue
                    .wait_turn(
                        &place,
                        |position| handle.report(JobState::Queued { position }),
                        || handle.is_cancelled(),
                        deadline,
                    )
                    .await;
                waited.map_err(|e| match e {
                    WaitEnded::Cancelled if *stopping.borrow() => LabError::ShuttingDown,
                    WaitEnded::Cancelled => LabError::Cancelled,
                    WaitEnded::Deadline(w) => LabError::QueueTimeout {
                        waited_s: w.as_secs(),
                    },
                })?;
                if handle.is_cancelled() {
                    return Err(LabError::Cancelled);
                }
                let result = runner.execute(&request, &handle).await;
                drop(place); // the devices are free before the database write
                let result = result?;
                let title = app::experiments::describe::request_title(&request);
                store::save_run(
                    &pool,
                    &handle.id,
                    owner.learner(),
                    &request,
                    &title,
                    &result,
                )
                .await
                .map_err(|e| LabError::failed(format!("saving run {}", handle.id), e))?;
                Ok(result)
            }
            .await;
            finish(&handle, outcome);
        });
        Ok(job)
    }

    fn queue_view(&self) -> QueueView {
        let (running, waiting, capacity) = self.queue.counts();
        let (started, peak_on_gpu, peak_on_cpu) = self.occupancy.counts();
        let starts = self.sandbox_starts().unwrap_or_default();
        QueueView {
            running,
            waiting,
            capacity,
            started,
            peak_on_gpu,
            peak_on_cpu,
            sandbox_starts: starts.map(|(n, _)| n),
            sandbox_start_ms: starts.map(|(_, took)| took.as_secs_f64() * 1e3),
        }
    }
}

impl Lab for EngineLab {
    fn devices(&self, visibility: Option<String>) -> LabFuture<'_, Result<DeviceList, LabError>> {
        let engine = self.engine.clone();
        Box::pin(async move {
            // The first call enumerates adapters (driver start-up): off the async workers.
            tokio::task::spawn_blocking(move || engine.devices(visibility.as_deref()))
                .await
                .map_err(|e| LabError::failed("device enumeration thread", e))
        })
    }

    fn limits(&self) -> LimitsView {
        let l = self.engine.limits();
        LimitsView {
            max_n: l.max_n,
            max_batch: l.max_batch,
            max_repeats: l.max_repeats,
            max_warmup: l.max_warmup,
            cpu_threads: lab_engine::limits::available_threads(),
        }
    }

    fn validate<'a>(
        &'a self,
        request: &'a ExperimentRequest,
        owner: Owner,
    ) -> LabFuture<'a, Result<(), LabError>> {
        let checked = self
            .refuse_when_stopping()
            .and_then(|_| runner::validate(&self.engine, request))
            .and_then(|_| {
                self.queue
                    .has_room(self.request_needs(request), Some(owner))
                    .map_err(Self::refused)
            });
        Box::pin(std::future::ready(checked))
    }

    fn submit(
        &self,
        request: ExperimentRequest,
        owner: Owner,
    ) -> LabFuture<'_, Result<Job, LabError>> {
        Box::pin(std::future::ready(self.submit_now(request, owner)))
    }

    fn job<'a>(&'a self, id: &'a str) -> LabFuture<'a, Option<Job>> {
        Box::pin(std::future::ready(self.jobs.get(id)))
    }

    fn cancel<'a>(&'a self, id: &'a str, owner: Owner) -> LabFuture<'a, bool> {
        Box::pin(std::future::ready(self.jobs.cancel(id, owner)))
    }

    fn queue(&self) -> LabFuture<'_, QueueView> {
        Box::pin(std::future::ready(self.queue_view()))
    }

    fn timing_demo(
        &self,
        params: TimingParams,
        owner: Owner,
    ) -> LabFuture<'_, Result<(String, TimingReport), LabError>> {
        let needs = self.needs(true, false, params.visible_devices.as_deref());
        let place = self
            .refuse_when_stopping()
            .and_then(|_| Ok(self.engine.check_timing_demo(&params)?))
            .and_then(|_| self.queue.admit(needs, Some(owner)).map_err(Self::refused));
        let engine = self.engine.clone();
        Box::pin(async move {
            let place = place?;
            let id = store::new_run_id().map_err(|e| LabError::failed("a new run id", e))?;
            let (place, occupied) = self.take_turn(place, needs).await?;
            // The place and the device count move into the blocking work: if
            // the client goes away the GPU is still busy, so they stay taken
            // until the work ends.
            let report = tokio::task::spawn_blocking(move || {
                let (_place, _occupied) = (place, occupied);
                engine.timing_demo(&params)
            })
            .await
            .map_err(|e| LabError::failed("timing demo thread", e))??;
            Ok((id, report))
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
            let kernels = self.kernels()?;
            let limits = self.engine.kernel_limits(None);
            kernels.check(task, limits).await
        })
    }

    fn run_puzzle(
        &self,
        task: PuzzleTask,
        owner: Owner,
    ) -> LabFuture<'_, Result<PuzzleOutcome, LabError>> {
        // A kernel runs on the GPU only (a software one holds the CPU too).
        let needs = self.needs(true, false, None);
        Box::pin(async move {
            let kernels = self.kernels()?;
            let place = self
                .queue
                .admit(needs, Some(owner))
                .map_err(Self::refused)?;
            let (place, occupied) = self.take_turn(place, needs).await?;
            let deadline = kernels.deadline(self.engine.gpu_is_software(None));
            // The place and the device count stay taken until the sandbox
            // has answered or its process is gone, even if the client left.
            kernels.run(task, deadline, (place, occupied)).await
        })
    }

    fn roofs(&self) -> RoofsView {
        self.roofs.view(self.engine.cached_roofs())
    }

    fn measure_roofs(&self, owner: Owner) -> LabFuture<'_, Result<RoofsView, LabError>> {
        Box::pin(async move {
            if let Some(roofs) = self.engine.cached_roofs() {
                return Ok(self.roofs.view(Some(roofs)));
            }
            self.refuse_when_stopping()?;
            // Both probes run with every device to themselves: a roof
            // measured beside other work would be too low.
            let needs = self.needs(true, true, None);
            let place = self
                .queue
                .admit(needs, Some(owner))
                .map_err(Self::refused)?;
            let (place, occupied) = self.take_turn(place, needs).await?;
            self.roofs.set(RoofsState::Measuring);
            let engine = self.engine.clone();
            // The place and the device count stay taken until the probes end,
            // even if the client went away.
            let measured = tokio::task::spawn_blocking(move || {
                let (_place, _occupied) = (place, occupied);
                engine.roofs()
            })
            .await
            .map_err(|e| LabError::failed("roofs thread", e))
            .and_then(|r| r.map_err(LabError::from));
            match measured {
                Ok(roofs) => {
                    self.roofs.set(RoofsState::NotMeasured);
                    Ok(self.roofs.view(Some(roofs)))
                }
                Err(e) => {
                    if let Some(detail) = e.log_detail() {
                        tracing::error!(%detail, "measuring the roofs failed");
                    }
                    self.roofs.set(RoofsState::Failed {
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

fn finish(handle: &JobHandle, outcome: Result<ExperimentResult, LabError>) {
    if let Some(detail) = outcome.as_ref().err().and_then(LabError::log_detail) {
        tracing::error!(job = %handle.id, %detail, "experiment failed");
    }
    handle.report(JobState::Finished(Arc::new(outcome)));
}
