//! What a run returns (serialisable; the web layer renders JSON and tables).

use serde::Serialize;

use crate::model::Preset;
use crate::params::{Kernel, RunParams};
use crate::stats::Summary;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Gpu,
    Cpu,
}

/// One-off costs before the steady state. `None` parts were already cached
/// by an earlier request (the device, pipelines and weights live as long as
/// the engine), so a second run shows only its first batch.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
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

/// Per-repeat phase totals (summed over all batches of a pass).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// n × FLOPs/item / median wall time, in 1e9 FLOP/s (see
    /// [`crate::ModelSpec::flops_per_item`]: 2·in·out per layer).
    pub gflops: f64,
    /// Same, over the median timestamp kernel time only.
    pub kernel_gflops: Option<f64>,
    /// How the phases were timed.
    pub timing_method: String,
}

/// GPU vs CPU output comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    pub preset: Preset,
    pub widths: Vec<usize>,
    pub parameters: usize,
    /// 2·in·out summed over layers.
    pub flops_per_item: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// The timing lesson's four numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingDemoReport {
    pub adapter: String,
    pub software: bool,
    pub label: String,
    pub model: Preset,
    pub batch: usize,
    pub kernel: Kernel,
    /// (a) encode + `queue.submit` returning, without waiting for the GPU.
    pub submit_only_ms: f64,
    /// (b) the same work timed until `device.poll(Wait)` returns.
    pub submit_and_wait_ms: f64,
    /// (c) the first call on a fresh device: device, compile, weight upload,
    /// buffers and one upload → compute → readback.
    pub cold_first_call_ms: f64,
    pub cold_breakdown: ColdStart,
    /// (d) later calls (upload → compute → readback), median and spread.
    pub warm_call: Summary,
    pub explanation: String,
}
