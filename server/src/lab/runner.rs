//! Executes one experiment once it is its turn: every measurement runs on a
//! blocking thread (never on the async workers) and is counted as occupying
//! its devices until that thread returns; a cancelled job stops within one
//! batch (a sweep also between its points).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use app::lab::JobState;
use lab_engine::Engine;
use lab_types::{
    ExperimentRequest, ExperimentResult, LabError, RunParams, RunReport, SweepParams, SweepPoint,
    SweepReport,
};

use super::jobs::JobHandle;
use super::occupancy::Occupancy;
use super::queue::Needs;

/// Checks every run of a request against the limits of the device it would
/// run on, and a sweep's points against one shared budget, before any work
/// starts: a sweep never fails half-way on a bad point. A loop-style
/// comparison's three runs share that budget, and it needs the GPU.
pub(crate) fn validate(engine: &Engine, request: &ExperimentRequest) -> Result<(), LabError> {
    if let Some((field, why)) = request.without_its_gpu() {
        return Err(LabError::invalid(field, why));
    }
    Ok(engine.check_all(&request.runs())?)
}

/// Where a running job reports its progress and reads whether to stop: the
/// in-memory job of one server (`JobHandle`), or a lab worker's claimed job
/// (written to its row in `lab_jobs`).
pub(crate) trait Progress: Sync {
    fn report(&self, state: JobState);
    fn is_cancelled(&self) -> bool;
}

impl Progress for JobHandle {
    fn report(&self, state: JobState) {
        JobHandle::report(self, state)
    }

    fn is_cancelled(&self) -> bool {
        JobHandle::is_cancelled(self)
    }
}

/// What a job needs to run: the engine, where to count it, which devices,
/// and its cancel flag (checked by the engine between batches).
pub(crate) struct Runner {
    pub engine: Arc<Engine>,
    pub occupancy: Arc<Occupancy>,
    pub needs: Needs,
    pub stop: Arc<AtomicBool>,
}

impl Runner {
    pub(crate) async fn execute(
        &self,
        request: &ExperimentRequest,
        job: &dyn Progress,
    ) -> Result<ExperimentResult, LabError> {
        match request {
            ExperimentRequest::Run(p) => {
                job.report(JobState::Running {
                    step: 1,
                    of: 1,
                    what: format!("n = {}, b = {}", p.n, p.batch),
                });
                Ok(ExperimentResult::Run(self.run_one(p.clone()).await?))
            }
            ExperimentRequest::Sweep(s) => Ok(ExperimentResult::Sweep(self.sweep(s, job).await?)),
        }
    }

    async fn run_one(&self, params: RunParams) -> Result<RunReport, LabError> {
        let (engine, stop) = (self.engine.clone(), self.stop.clone());
        let occupied = self.occupancy.enter(self.needs);
        let report = tokio::task::spawn_blocking(move || {
            let _occupied = occupied; // the devices are busy until this returns
            engine.run_until(&params, &stop)
        })
        .await
        .map_err(|e| LabError::failed("measurement thread", e))??;
        Ok(report)
    }

    async fn sweep(&self, s: &SweepParams, job: &dyn Progress) -> Result<SweepReport, LabError> {
        let started = Instant::now();
        let xs = s.kind.points();
        let mut points = Vec::with_capacity(xs.len());
        for (i, &x) in xs.iter().enumerate() {
            if job.is_cancelled() {
                return Err(LabError::Cancelled);
            }
            job.report(JobState::Running {
                step: i + 1,
                of: xs.len(),
                what: s.kind.point_label(x),
            });
            points.push(SweepPoint {
                x,
                run: self.run_one(s.run_at(x)).await?,
            });
        }
        Ok(SweepReport {
            params: s.clone(),
            points,
            elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
        })
    }
}
