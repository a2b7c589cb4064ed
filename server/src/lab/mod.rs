//! The server's implementation of the app's `Lab`: the engine behind a fair
//! queue, with each finished experiment saved in the `runs` table.

mod jobs;
mod queue;
mod runner;

use std::sync::Arc;

use app::experiments::store;
use app::lab::{Job, JobState, Lab, LabFuture};
use lab_engine::{Engine, EngineConfig};
use lab_types::{
    DeviceChoice, DeviceList, ExperimentRequest, ExperimentResult, LabError, LimitsView, QueueView,
    TimingParams, TimingReport,
};
use sqlx::SqlitePool;

use jobs::{JobHandle, JobRegistry};
use queue::{FairQueue, Needs};

#[derive(Debug, Clone)]
pub(crate) struct LabConfig {
    /// `LAB_VISIBLE_DEVICES` (`None` = unset: every GPU visible).
    pub visible_devices: Option<String>,
    /// Experiments that may wait; more get `QueueFull` (HTTP 429).
    pub queue_capacity: usize,
}

pub(crate) struct EngineLab {
    engine: Arc<Engine>,
    queue: Arc<FairQueue>,
    jobs: JobRegistry,
    pool: SqlitePool,
}

impl EngineLab {
    pub(crate) fn new(config: LabConfig, pool: SqlitePool) -> Arc<Self> {
        let engine = Engine::new(EngineConfig {
            visible_devices: config.visible_devices,
            ..Default::default()
        });
        Arc::new(EngineLab {
            engine: Arc::new(engine),
            queue: FairQueue::new(config.queue_capacity),
            jobs: JobRegistry::default(),
            pool,
        })
    }

    fn queue_full(e: queue::QueueFull) -> LabError {
        LabError::QueueFull {
            waiting: e.waiting,
            retry_after_s: e.retry_after_s,
        }
    }
}

fn needs(device: DeviceChoice) -> Needs {
    Needs {
        gpu: device.uses_gpu(),
        cpu: device.uses_cpu(),
    }
}

impl Lab for EngineLab {
    fn devices(&self, visibility: Option<String>) -> LabFuture<'_, Result<DeviceList, LabError>> {
        let engine = self.engine.clone();
        Box::pin(async move {
            // The first call enumerates adapters (driver start-up): off the async workers.
            tokio::task::spawn_blocking(move || engine.devices(visibility.as_deref()))
                .await
                .map_err(|e| LabError::internal(format!("device enumeration thread: {e}")))
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

    fn validate(&self, request: &ExperimentRequest) -> Result<(), LabError> {
        runner::validate(&self.engine, request)?;
        self.queue
            .has_room(needs(request.device()))
            .map_err(Self::queue_full)
    }

    fn submit(&self, request: ExperimentRequest, learner_id: Option<i64>) -> Result<Job, LabError> {
        runner::validate(&self.engine, &request)?;
        let place = self
            .queue
            .admit(needs(request.device()))
            .map_err(Self::queue_full)?;
        let id = store::new_run_id().map_err(|e| LabError::internal(e.to_string()))?;
        let (handle, job) = self.jobs.create(id);
        let (engine, queue, pool) = (self.engine.clone(), self.queue.clone(), self.pool.clone());
        tokio::spawn(async move {
            let outcome = async {
                queue
                    .wait_turn(
                        &place,
                        |position| handle.report(JobState::Queued { position }),
                        || handle.is_cancelled(),
                    )
                    .await
                    .map_err(|_| LabError::Cancelled)?;
                let result = runner::execute(engine, &request, &handle).await;
                drop(place); // the devices are free before the database write
                let result = result?;
                store::save_run(&pool, &handle.id, learner_id, &request, &result)
                    .await
                    .map_err(|e| LabError::internal(format!("saving run {}: {e}", handle.id)))?;
                Ok(result)
            }
            .await;
            finish(&handle, outcome);
        });
        Ok(job)
    }

    fn job(&self, id: &str) -> Option<Job> {
        self.jobs.get(id)
    }

    fn cancel(&self, id: &str) -> bool {
        self.jobs.cancel(id)
    }

    fn queue(&self) -> QueueView {
        let (running, waiting, capacity) = self.queue.counts();
        QueueView {
            running,
            waiting,
            capacity,
        }
    }

    fn timing_demo(&self, params: TimingParams) -> LabFuture<'_, Result<TimingReport, LabError>> {
        let place = self
            .queue
            .admit(Needs {
                gpu: true,
                cpu: false,
            })
            .map_err(Self::queue_full);
        let engine = self.engine.clone();
        let queue = self.queue.clone();
        Box::pin(async move {
            let place = place?;
            queue
                .wait_turn(&place, |_| {}, || false)
                .await
                .map_err(|_| LabError::Cancelled)?;
            let report = tokio::task::spawn_blocking(move || engine.timing_demo(&params))
                .await
                .map_err(|e| LabError::internal(format!("timing demo thread: {e}")))??;
            drop(place);
            Ok(report)
        })
    }
}

fn finish(handle: &JobHandle, outcome: Result<ExperimentResult, LabError>) {
    if let Some(detail) = outcome.as_ref().err().and_then(LabError::log_detail) {
        tracing::error!(job = %handle.id, %detail, "experiment failed");
    }
    handle.report(JobState::Finished(Arc::new(outcome)));
}
