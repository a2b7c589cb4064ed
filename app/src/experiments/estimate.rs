//! How long an experiment will take, for the progress bar's "time left".
//!
//! Estimated from this server's own newest saved measurements (any learner's
//! runs and sweep points, the last [`RECENT_RESULTS`]): for each device a run
//! uses, the newest measurement of the same model with the same batch size
//! gives its time per batch (median pass ÷ batches), scaled to this run's
//! batches; without one, the newest of the nearest batch size gives its time
//! per item, scaled to this n (rougher: per-batch costs differ). Each run then
//! takes (warm-up + repeats) passes per device. Start-up (opening the device,
//! compiling kernels, the first use of a model) is not included, nor time
//! waiting in the queue. With no earlier measurement of the model on a device
//! there is no estimate, and the page says so.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use lab_types::{DeviceKind, ExperimentRequest, ExperimentResult, Preset, RunParams};

/// Saved results the estimate looks through.
#[cfg(feature = "ssr")]
pub const RECENT_RESULTS: i64 = 50;

/// Seconds each step of a job (a run, or each point of a sweep) should take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub steps_s: Vec<f64>,
    /// How it was estimated, in words, for beside the bar.
    pub basis: String,
}

impl Estimate {
    pub fn total_s(&self) -> f64 {
        self.steps_s.iter().sum()
    }

    /// Seconds left while step `step` (1-based) has run for `in_step_s` and
    /// the steps before it took `before_s` in all. Finished steps rescale the
    /// rest (a busier server than the one measured runs everything slower).
    pub fn left_s(&self, step: usize, before_s: f64, in_step_s: f64) -> f64 {
        let k = step.clamp(1, self.steps_s.len().max(1)) - 1;
        let done: f64 = self.steps_s.iter().take(k).sum();
        let rest: f64 = self.steps_s.iter().skip(k).sum();
        let factor = if done > 0.0 && before_s > 0.0 {
            (before_s / done).clamp(0.25, 4.0)
        } else {
            1.0
        };
        (factor * rest - in_step_s).max(0.0)
    }
}

/// One device's pass, as a saved run measured it.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub model: Preset,
    pub device: DeviceKind,
    pub batch: usize,
    pub n: usize,
    pub batches: usize,
    pub pass_ms: f64,
}

/// Every device pass in `results` (newest first), sweep points included.
#[cfg(feature = "ssr")]
pub fn samples(results: &[ExperimentResult]) -> Vec<Sample> {
    let runs = results.iter().flat_map(|r| match r {
        ExperimentResult::Run(run) => vec![run],
        ExperimentResult::Sweep(s) => s.points.iter().map(|p| &p.run).collect(),
    });
    runs.flat_map(|run| {
        run.results.iter().map(move |d| Sample {
            model: run.params.model,
            device: d.device,
            batch: run.batch,
            n: run.n,
            batches: run.batches,
            pass_ms: d.wall.median_ms,
        })
    })
    .filter(|s| s.pass_ms.is_finite() && s.pass_ms > 0.0 && s.n > 0 && s.batches > 0)
    .collect()
}

/// Seconds one device's passes of `p` take, and whether a measurement of the
/// same batch size was there (else one of the nearest batch size, per item).
#[cfg(feature = "ssr")]
fn device_s(p: &RunParams, device: DeviceKind, samples: &[Sample]) -> Option<(f64, bool)> {
    let same_kind = samples
        .iter()
        .filter(|s| s.model == p.model && s.device == device);
    let batch = p.batch.clamp(1, p.n.max(1));
    let batches = p.n.div_ceil(batch).max(1);
    let pass_ms = match same_kind.clone().find(|s| s.batch == batch) {
        Some(s) => (s.pass_ms / s.batches as f64 * batches as f64, true),
        None => {
            let distance = |s: &Sample| (s.batch as f64 / batch as f64).ln().abs();
            let s = same_kind.min_by(|a, b| distance(a).total_cmp(&distance(b)))?;
            (s.pass_ms / s.n as f64 * p.n as f64, false)
        }
    };
    let passes = (p.warmup + p.repeats) as f64;
    Some((pass_ms.0 * passes / 1e3, pass_ms.1))
}

/// The estimate of `request` from `samples`, or `None` when some device has
/// never run its model here.
#[cfg(feature = "ssr")]
pub fn estimate(request: &ExperimentRequest, samples: &[Sample]) -> Option<Estimate> {
    let mut steps_s = Vec::new();
    let mut exact = true;
    for p in request.runs() {
        let mut s = 0.0;
        for (used, device) in [
            (p.device.uses_gpu(), DeviceKind::Gpu),
            (p.device.uses_cpu(), DeviceKind::Cpu),
        ] {
            if used {
                let (secs, same_batch) = device_s(&p, device, samples)?;
                s += secs;
                exact &= same_batch;
            }
        }
        steps_s.push(s);
    }
    let model = request
        .runs()
        .first()
        .map_or("this model", |p| p.model.name());
    let basis = format!(
        "Time left is estimated from this server's newest measurements of {model}: each \
         device's time per {} scaled to this run, times its passes (warm-up + repeats); \
         start-up and queueing are not included.",
        if exact {
            "batch at this batch size,"
        } else {
            "item (at the nearest batch size measured, so rougher),"
        }
    );
    Some(Estimate { steps_s, basis })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use lab_types::{DeviceChoice, SweepKind, SweepParams};

    fn sample(device: DeviceKind, batch: usize, n: usize, pass_ms: f64) -> Sample {
        Sample {
            model: Preset::Medium,
            device,
            batch,
            n,
            batches: n.div_ceil(batch),
            pass_ms,
        }
    }

    fn run(n: usize, batch: usize, device: DeviceChoice) -> ExperimentRequest {
        ExperimentRequest::Run(RunParams {
            n,
            batch,
            device,
            repeats: 3,
            warmup: 1,
            ..RunParams::default()
        })
    }

    #[test]
    fn scales_the_newest_measurement_of_the_same_batch_size() {
        let samples = [
            sample(DeviceKind::Gpu, 64, 1024, 400.0),  // 25 ms per batch
            sample(DeviceKind::Gpu, 64, 4096, 9999.0), // older: ignored
            sample(DeviceKind::Cpu, 64, 1024, 20.0),
        ];
        let e = estimate(&run(2048, 64, DeviceChoice::Both), &samples).unwrap();
        // 4 passes × (32 batches × 25 ms + 40 ms).
        assert_eq!(e.steps_s.len(), 1);
        assert!((e.total_s() - 4.0 * (0.8 + 0.04)).abs() < 1e-9, "{e:?}");
        assert!(e.basis.contains("at this batch size"));
        // Another batch size: per item, from the nearest one.
        let e = estimate(&run(512, 128, DeviceChoice::Gpu), &samples).unwrap();
        assert!((e.total_s() - 4.0 * 0.2).abs() < 1e-9, "{e:?}");
        assert!(e.basis.contains("rougher"));
    }

    #[test]
    fn no_measurement_of_a_device_means_no_estimate() {
        let samples = [sample(DeviceKind::Gpu, 64, 1024, 400.0)];
        assert!(estimate(&run(1024, 64, DeviceChoice::Both), &samples).is_none());
        assert!(estimate(&run(1024, 64, DeviceChoice::Gpu), &samples).is_some());
        assert!(estimate(&run(1024, 64, DeviceChoice::Gpu), &[]).is_none());
    }

    #[test]
    fn a_sweep_has_one_step_per_point_and_finished_steps_rescale_the_rest() {
        let samples = [sample(DeviceKind::Cpu, 32, 1000, 10.0)];
        let sweep = ExperimentRequest::Sweep(SweepParams {
            kind: SweepKind::N,
            model: Preset::Medium,
            device: DeviceChoice::Cpu,
            batch: 32,
            repeats: 1,
            ..SweepParams::default()
        });
        let e = estimate(&sweep, &samples).unwrap();
        assert_eq!(e.steps_s.len(), SweepKind::N.points().len());
        let total = e.total_s();
        assert!((e.left_s(1, 0.0, 0.0) - total).abs() < 1e-9);
        // The first two points took twice their estimate: the rest will too.
        let (done, rest) = (
            e.steps_s[0] + e.steps_s[1],
            total - e.steps_s[0] - e.steps_s[1],
        );
        assert!((e.left_s(3, 2.0 * done, 0.0) - 2.0 * rest).abs() < 1e-9);
        assert_eq!(e.left_s(5, done, 1e9), 0.0);
    }
}
