//! Executes one experiment once it is its turn: every measurement runs on a
//! blocking thread (never on the async workers); a sweep checks for
//! cancellation between its points.

use std::sync::Arc;
use std::time::Instant;

use app::lab::JobState;
use lab_engine::Engine;
use lab_types::{
    ExperimentRequest, ExperimentResult, LabError, RunParams, RunReport, SweepParams, SweepPoint,
    SweepReport,
};

use super::jobs::JobHandle;

/// Checks every run of a request against the limits before any work starts,
/// so a sweep never fails half-way on a bad point.
pub(crate) fn validate(engine: &Engine, request: &ExperimentRequest) -> Result<(), LabError> {
    let threads = lab_engine::limits::available_threads();
    for p in request.runs() {
        engine.limits().check(&p, threads)?;
    }
    Ok(())
}

pub(crate) async fn execute(
    engine: Arc<Engine>,
    request: &ExperimentRequest,
    job: &JobHandle,
) -> Result<ExperimentResult, LabError> {
    match request {
        ExperimentRequest::Run(p) => {
            job.report(JobState::Running {
                step: 1,
                of: 1,
                what: format!("n = {}, b = {}", p.n, p.batch),
            });
            Ok(ExperimentResult::Run(run_one(engine, p.clone()).await?))
        }
        ExperimentRequest::Sweep(s) => Ok(ExperimentResult::Sweep(sweep(engine, s, job).await?)),
    }
}

async fn run_one(engine: Arc<Engine>, params: RunParams) -> Result<RunReport, LabError> {
    let report = tokio::task::spawn_blocking(move || engine.run(&params))
        .await
        .map_err(|e| LabError::internal(format!("measurement thread: {e}")))??;
    Ok(report)
}

async fn sweep(
    engine: Arc<Engine>,
    s: &SweepParams,
    job: &JobHandle,
) -> Result<SweepReport, LabError> {
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
            what: format!("{} = {x}", s.kind.axis()),
        });
        points.push(SweepPoint {
            x,
            run: run_one(engine.clone(), s.run_at(x)).await?,
        });
    }
    Ok(SweepReport {
        params: s.clone(),
        points,
        elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
    })
}
