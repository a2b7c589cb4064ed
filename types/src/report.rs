//! What a measurement returns: the engine fills these in, the API sends them,
//! the pages render them and SQLite keeps them.

use serde::{Deserialize, Serialize};

use crate::model::{ModelInfo, Preset};
use crate::params::{Kernel, RunParams, SweepParams};
use crate::stats::Summary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Gpu,
    Cpu,
}

impl DeviceKind {
    pub fn label(self) -> &'static str {
        match self {
            DeviceKind::Gpu => "GPU",
            DeviceKind::Cpu => "CPU",
        }
    }
}

/// One-off costs before the steady state. `None` parts were already cached
/// by an earlier request (the device, pipelines and weights live as long as
/// the engine), so a second run shows only its first batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ColdStart {
    /// Opening the device (GPU) — `None` when reused.
    pub device_ms: Option<f64>,
    /// Shader translation + driver compile of the kernel — `None` when cached.
    pub pipeline_ms: Option<f64>,
    /// Building the weights on the host (CPU) or uploading them (GPU) —
    /// `None` when cached.
    pub weights_ms: Option<f64>,
    /// Buffer allocation for this run's batch size.
    pub buffers_ms: f64,
    /// The very first batch (first-touch page faults, driver lazy init...).
    pub first_batch_ms: f64,
    /// Sum of the above.
    pub total_ms: f64,
}

impl ColdStart {
    /// The parts, with their total.
    pub fn new(
        device_ms: Option<f64>,
        pipeline_ms: Option<f64>,
        weights_ms: Option<f64>,
        buffers_ms: f64,
        first_batch_ms: f64,
    ) -> ColdStart {
        let total_ms = [device_ms, pipeline_ms, weights_ms]
            .iter()
            .map(|p| p.unwrap_or(0.0))
            .sum::<f64>()
            + buffers_ms
            + first_batch_ms;
        ColdStart {
            device_ms,
            pipeline_ms,
            weights_ms,
            buffers_ms,
            first_batch_ms,
            total_ms,
        }
    }
}

/// Per-repeat phase totals (summed over all batches of a pass).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Phases {
    /// `batch.to(device)`; zero on the CPU.
    pub upload: Summary,
    /// Running the layers (GPU: encode, submit, wait).
    pub compute: Summary,
    /// `outputs.cpu()`; zero on the CPU.
    pub readback: Summary,
    /// Pure kernel time from GPU timestamp queries, when available.
    pub kernel: Option<Summary>,
}

/// The measurements of one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceResult {
    pub device: DeviceKind,
    /// Adapter name, or the CPU backend description.
    pub name: String,
    /// wgpu backend (Vulkan/Metal/Dx12); `None` for the CPU.
    pub backend: Option<String>,
    pub physical_index: Option<usize>,
    pub visible_index: Option<usize>,
    /// True when the "GPU" is emulated on the CPU.
    pub software: bool,
    /// Plain-language description of what ran.
    pub label: String,
    pub kernel: Option<Kernel>,
    pub threads: Option<usize>,
    pub cold_start: ColdStart,
    /// Wall time of one pass over all n items (data generation excluded).
    pub wall: Summary,
    pub phases: Phases,
    /// n / median wall time.
    pub items_per_s: f64,
    /// n × FLOPs/item / median wall time, in 1e9 FLOP/s (2·in·out per layer).
    pub gflops: f64,
    /// Same, over the median timestamp kernel time only.
    pub kernel_gflops: Option<f64>,
    /// How the phases were timed.
    pub timing_method: String,
}

/// GPU vs CPU output comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Items compared: the first min(n, 4096) items.
    pub items_compared: usize,
    pub all_items: bool,
    pub max_abs_error: f64,
    /// Largest |output| seen, to put the error in scale.
    pub max_abs_output: f64,
    /// Share of items whose argmax (predicted class) is the same, 0..=1.
    pub argmax_agreement: f64,
    /// max_abs_error ≤ 1e-3 × max(1, max_abs_output).
    pub matches: bool,
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub params: RunParams,
    pub model: ModelInfo,
    pub n: usize,
    pub batch: usize,
    /// ceil(n / batch).
    pub batches: usize,
    /// Size of the last (possibly partial) batch.
    pub last_batch: usize,
    pub results: Vec<DeviceResult>,
    pub agreement: Option<Agreement>,
    /// Caveats worth showing next to the numbers.
    pub notes: Vec<String>,
}

impl RunReport {
    pub fn result(&self, device: DeviceKind) -> Option<&DeviceResult> {
        self.results.iter().find(|r| r.device == device)
    }

    /// CPU time / GPU time (median wall): above 1 the GPU was faster.
    pub fn gpu_speedup(&self) -> Option<f64> {
        let gpu = self.result(DeviceKind::Gpu)?.wall.median_ms;
        let cpu = self.result(DeviceKind::Cpu)?.wall.median_ms;
        (gpu > 0.0).then(|| cpu / gpu)
    }
}

/// One measured point of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// The swept value (n or b).
    pub x: usize,
    pub run: RunReport,
}

/// The result of a sweep (the fit and crossover are computed from the points
/// on display).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    pub params: SweepParams,
    pub points: Vec<SweepPoint>,
    /// Wall time of the whole sweep, queue wait excluded.
    pub elapsed_ms: f64,
}

/// A finished experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ExperimentResult {
    Run(RunReport),
    Sweep(SweepReport),
}

impl ExperimentResult {
    /// The devices that produced the result (from its first run).
    pub fn results(&self) -> &[DeviceResult] {
        match self {
            ExperimentResult::Run(r) => &r.results,
            ExperimentResult::Sweep(s) => s
                .points
                .first()
                .map(|p| p.run.results.as_slice())
                .unwrap_or(&[]),
        }
    }

    /// "llvmpipe (LLVM 19.1.7, 256 bits)" or "CPU only": stored with a saved run.
    pub fn adapter(&self) -> String {
        self.results()
            .iter()
            .find(|r| r.device == DeviceKind::Gpu)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| "CPU only".to_string())
    }
}

/// The timing lesson's four numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingReport {
    pub adapter: String,
    pub software: bool,
    pub label: String,
    pub model: Preset,
    pub batch: usize,
    pub kernel: Kernel,
    /// (a) encode + `queue.submit` returning, without waiting for the GPU.
    pub submit_only_ms: f64,
    /// (b) the same work timed until the GPU is done.
    pub submit_and_wait_ms: f64,
    /// (a) and (b) over their repeats (the medians above, and their spread):
    /// a prediction of (b) / (a) is scored against what the spread allows.
    /// Empty in reports made before they were kept.
    #[serde(default)]
    pub submit_only: Summary,
    #[serde(default)]
    pub submit_and_wait: Summary,
    /// Of the (a) calls, how many found the GPU still working when `submit`
    /// returned (asked without waiting, like `torch.cuda.Event.query()`).
    pub still_running_after_submit: usize,
    /// (c) the first call on a fresh device: device, compile, weight upload,
    /// buffers and one upload → compute → readback.
    pub cold_first_call_ms: f64,
    pub cold_breakdown: ColdStart,
    /// (d) later calls (upload → compute → readback), median and spread.
    pub warm_call: Summary,
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cold_start_totals_the_parts_it_has() {
        let c = ColdStart::new(Some(10.0), None, Some(2.5), 1.0, 0.5);
        assert_eq!(c.total_ms, 14.0);
        assert_eq!(c.pipeline_ms, None);
    }
}
