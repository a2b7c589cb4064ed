//! What the lesson sweeps measured, in the terms of their predictions (server only).

use lab_types::{DeviceKind, ExperimentResult, RunReport, Summary};

use super::types::{Measured, PredictedDemo};

fn point(result: &ExperimentResult, x: usize) -> Option<&RunReport> {
    match result {
        ExperimentResult::Sweep(s) => s.points.iter().find(|p| p.x == x).map(|p| &p.run),
        ExperimentResult::Run(_) => None,
    }
}

fn median_ms(run: &RunReport, device: DeviceKind) -> Option<f64> {
    wall(run, device).map(|w| w.median_ms)
}

fn wall(run: &RunReport, device: DeviceKind) -> Option<&Summary> {
    run.result(device).map(|r| &r.wall)
}

/// The measurement a sweep's prediction is scored against.
pub fn measured(demo: PredictedDemo, result: &ExperimentResult) -> Measured {
    let value = match demo {
        // t(10,000) / t(1,000) on the GPU, or the CPU when only it was swept.
        PredictedDemo::NSweep => (|| {
            let (small, large) = (point(result, 1_000)?, point(result, 10_000)?);
            let device = if small.result(DeviceKind::Gpu).is_some() {
                DeviceKind::Gpu
            } else {
                DeviceKind::Cpu
            };
            // With the range the repeats' spread allows.
            super::ratio::ratio(wall(large, device)?, wall(small, device)?)
        })(),
        // The faster device at b = 1, then at b = 1,024 (same n: time decides).
        PredictedDemo::BatchSweep => (|| {
            let faster = |x| {
                let run = point(result, x)?;
                let (gpu, cpu) = (
                    median_ms(run, DeviceKind::Gpu)?,
                    median_ms(run, DeviceKind::Cpu)?,
                );
                Some(if gpu < cpu { "gpu" } else { "cpu" })
            };
            Some(Measured::Choice(format!(
                "{}-{}",
                faster(1)?,
                faster(1_024)?
            )))
        })(),
        _ => None,
    };
    value.unwrap_or(Measured::Unavailable)
}
