//! Experiment data shared by the server and the page (plain serde, both sides).
//!
//! Parameters mirror the engine's `RunParams` field for field (same JSON), and the
//! result views mirror the engine's report types, so the JSON API, the page and a
//! saved run all show the same numbers.

use serde::{Deserialize, Serialize};

/// Named model shapes (the engine's presets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModelPreset {
    /// 64-128-10: launch overhead dominates.
    Tiny,
    /// 784-1024-1024-10 (MNIST-shaped).
    #[default]
    Medium,
    /// 1024-4096-4096-1024.
    Large,
}

impl ModelPreset {
    pub const ALL: [ModelPreset; 3] = [ModelPreset::Tiny, ModelPreset::Medium, ModelPreset::Large];

    pub fn name(self) -> &'static str {
        match self {
            ModelPreset::Tiny => "tiny",
            ModelPreset::Medium => "medium",
            ModelPreset::Large => "large",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn shape(self) -> &'static str {
        match self {
            ModelPreset::Tiny => "64 → 128 → 10",
            ModelPreset::Medium => "784 → 1024 → 1024 → 10",
            ModelPreset::Large => "1024 → 4096 → 4096 → 1024",
        }
    }
}

/// Which backend(s) an experiment uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    Gpu,
    Cpu,
    /// Both, and compare their outputs.
    #[default]
    Both,
}

impl DeviceChoice {
    pub const ALL: [DeviceChoice; 3] = [DeviceChoice::Gpu, DeviceChoice::Cpu, DeviceChoice::Both];

    pub fn name(self) -> &'static str {
        match self {
            DeviceChoice::Gpu => "gpu",
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Both => "both",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn uses_gpu(self) -> bool {
        matches!(self, DeviceChoice::Gpu | DeviceChoice::Both)
    }

    pub fn uses_cpu(self) -> bool {
        matches!(self, DeviceChoice::Cpu | DeviceChoice::Both)
    }
}

/// Which WGSL matmul kernel the GPU uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KernelChoice {
    #[default]
    Tiled,
    Naive,
}

/// One measured run: `n` items in `ceil(n / batch)` batches; `warmup` untimed
/// passes, then `repeats` timed passes. Same fields and JSON as the engine's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunParams {
    pub model: ModelPreset,
    pub n: usize,
    pub batch: usize,
    pub device: DeviceChoice,
    /// CPU threads; 0 = all cores.
    pub cpu_threads: usize,
    pub repeats: usize,
    pub warmup: usize,
    pub kernel: KernelChoice,
    /// Per-request override of the server's `LAB_VISIBLE_DEVICES`.
    pub visible_devices: Option<String>,
}

impl Default for RunParams {
    fn default() -> Self {
        RunParams {
            model: ModelPreset::Medium,
            n: 4096,
            batch: 64,
            device: DeviceChoice::Both,
            cpu_threads: 0,
            repeats: 5,
            warmup: 1,
            kernel: KernelChoice::Tiled,
            visible_devices: None,
        }
    }
}

/// What a sweep varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SweepKind {
    /// Items n = 10 … 100,000 at a fixed batch size: time grows linearly in n.
    #[default]
    N,
    /// Batch size b = 1 … 1,024 at a fixed n: where the GPU overtakes the CPU.
    Batch,
}

impl SweepKind {
    pub fn name(self) -> &'static str {
        match self {
            SweepKind::N => "n-sweep",
            SweepKind::Batch => "batch-sweep",
        }
    }

    /// The values the sweep visits.
    pub fn points(self) -> Vec<usize> {
        match self {
            SweepKind::N => vec![10, 100, 1_000, 10_000, 100_000],
            SweepKind::Batch => (0..=10).map(|p| 1usize << p).collect(),
        }
    }

    pub fn axis(self) -> &'static str {
        match self {
            SweepKind::N => "n",
            SweepKind::Batch => "b",
        }
    }
}

/// A sweep: the fixed settings; the swept one comes from `kind.points()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepParams {
    pub kind: SweepKind,
    pub model: ModelPreset,
    pub device: DeviceChoice,
    /// Items per point of a batch sweep (ignored by an n sweep).
    pub n: usize,
    /// Batch size of an n sweep (ignored by a batch sweep).
    pub batch: usize,
    pub cpu_threads: usize,
    pub repeats: usize,
    pub warmup: usize,
    pub kernel: KernelChoice,
    pub visible_devices: Option<String>,
}

impl Default for SweepParams {
    /// Modest by default: a sweep should finish in well under a minute on a
    /// 2-core machine whose "GPU" is software emulation.
    fn default() -> Self {
        SweepParams {
            kind: SweepKind::N,
            model: ModelPreset::Tiny,
            device: DeviceChoice::Both,
            n: 1024,
            batch: 256,
            cpu_threads: 0,
            repeats: 3,
            warmup: 1,
            kernel: KernelChoice::Tiled,
            visible_devices: None,
        }
    }
}

impl SweepParams {
    /// The single run measured at sweep value `x`.
    pub fn run_at(&self, x: usize) -> RunParams {
        let (n, batch) = match self.kind {
            SweepKind::N => (x, self.batch),
            SweepKind::Batch => (self.n, x),
        };
        RunParams {
            model: self.model,
            n,
            batch,
            device: self.device,
            cpu_threads: self.cpu_threads,
            repeats: self.repeats,
            warmup: self.warmup,
            kernel: self.kernel,
            visible_devices: self.visible_devices.clone(),
        }
    }
}

/// What a learner or script asks the lab to do. (Tagged `type`: a sweep's own
/// parameters already have a `kind`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ExperimentRequest {
    Run(RunParams),
    Sweep(SweepParams),
}

impl ExperimentRequest {
    pub fn device(&self) -> DeviceChoice {
        match self {
            ExperimentRequest::Run(p) => p.device,
            ExperimentRequest::Sweep(p) => p.device,
        }
    }

    /// Stored in the `runs.kind` column.
    pub fn kind_name(&self) -> &'static str {
        match self {
            ExperimentRequest::Run(_) => "run",
            ExperimentRequest::Sweep(s) => s.kind.name(),
        }
    }
}

/// Median and spread of repeated measurements, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Summary {
    pub samples: usize,
    pub median_ms: f64,
    pub p10_ms: f64,
    pub p90_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

/// One-off costs before the steady state (`None` = already cached).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ColdStart {
    pub device_ms: Option<f64>,
    pub pipeline_ms: Option<f64>,
    pub weights_ms: Option<f64>,
    pub buffers_ms: f64,
    pub first_batch_ms: f64,
    pub total_ms: f64,
}

/// Per-pass phase totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Phases {
    pub upload: Summary,
    pub compute: Summary,
    pub readback: Summary,
    /// Kernel time from GPU timestamp queries, when the adapter has them.
    pub kernel: Option<Summary>,
}

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

    /// CSS custom property of the device's colour.
    pub fn colour(self) -> &'static str {
        match self {
            DeviceKind::Gpu => "var(--gpu)",
            DeviceKind::Cpu => "var(--cpu)",
        }
    }
}

/// The measurements of one device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceResult {
    pub device: DeviceKind,
    /// Adapter name, or the CPU backend description.
    pub name: String,
    pub backend: Option<String>,
    /// True when the "GPU" is emulated on the CPU.
    pub software: bool,
    /// Plain-language description of what ran.
    pub label: String,
    pub threads: Option<usize>,
    pub cold_start: ColdStart,
    /// One pass over all n items.
    pub wall: Summary,
    pub phases: Phases,
    pub items_per_s: f64,
    pub gflops: f64,
    pub kernel_gflops: Option<f64>,
    pub timing_method: String,
}

/// GPU vs CPU output comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub items_compared: usize,
    pub all_items: bool,
    pub max_abs_error: f64,
    pub max_abs_output: f64,
    /// Share of items whose predicted class agrees, 0..=1.
    pub argmax_agreement: f64,
    pub matches: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub preset: ModelPreset,
    pub widths: Vec<usize>,
    pub parameters: usize,
    pub flops_per_item: f64,
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub params: RunParams,
    pub model: ModelInfo,
    pub n: usize,
    pub batch: usize,
    pub batches: usize,
    pub last_batch: usize,
    pub results: Vec<DeviceResult>,
    pub agreement: Option<Agreement>,
    pub notes: Vec<String>,
}

impl RunView {
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
    pub run: RunView,
}

/// The result of a sweep (the fit and crossover are computed from the points
/// on display, see `analysis`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepView {
    pub params: SweepParams,
    pub points: Vec<SweepPoint>,
    /// Wall time of the whole sweep, queue wait excluded.
    pub elapsed_ms: f64,
}

/// A finished experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ExperimentResult {
    Run(RunView),
    Sweep(SweepView),
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

/// A saved experiment, as its shareable page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    pub id: String,
    pub kind: String,
    pub adapter: String,
    pub created_at: String,
    pub result: ExperimentResult,
}

/// A row of the history list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: String,
    pub kind: String,
    pub adapter: String,
    pub created_at: String,
    /// "medium, n = 4096, b = 64, both".
    pub title: String,
}

/// Progress of a queued experiment, as the page receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting; `position` 1 = next to run.
    Queued {
        position: usize,
    },
    /// `step` of `of` measurements is running (a single run is 1 of 1).
    Running {
        step: usize,
        of: usize,
        what: String,
    },
    /// Saved as run `run_id`.
    Done {
        run_id: String,
    },
    Failed {
        message: String,
    },
    Cancelled,
}

impl JobStatus {
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            JobStatus::Done { .. } | JobStatus::Failed { .. } | JobStatus::Cancelled
        )
    }
}

/// One adapter as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterView {
    pub physical_index: usize,
    /// `None` = hidden by the visibility setting.
    pub visible_index: Option<usize>,
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub driver: String,
    pub software: bool,
    pub label: String,
}

/// The machine's adapters under a visibility setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesView {
    pub adapters: Vec<AdapterView>,
    /// The visibility string that applied (`None` = unset: all visible).
    pub visibility_spec: Option<String>,
    /// "request_override", "server_setting" or "unset".
    pub visibility_source: String,
    /// Physical indices in visible order.
    pub visible: Vec<usize>,
    /// One sentence on how the setting was read.
    pub explanation: String,
    /// Why a GPU run would fail, when no GPU is visible.
    pub no_gpu_message: Option<String>,
    pub cpu_threads: usize,
}

/// Per-request bounds, for form hints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitsView {
    pub max_n: usize,
    pub max_batch: usize,
    pub max_repeats: usize,
    pub max_warmup: usize,
    pub cpu_threads: usize,
}

/// The timing lesson's parameters (mirror the engine's `TimingDemoParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimingParams {
    pub model: ModelPreset,
    pub batch: usize,
    pub kernel: KernelChoice,
    pub warm_calls: usize,
    pub visible_devices: Option<String>,
}

impl Default for TimingParams {
    fn default() -> Self {
        TimingParams {
            model: ModelPreset::Medium,
            batch: 256,
            kernel: KernelChoice::Tiled,
            warm_calls: 5,
            visible_devices: None,
        }
    }
}

/// The timing lesson's four numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingView {
    pub adapter: String,
    pub software: bool,
    pub label: String,
    pub model: ModelPreset,
    pub batch: usize,
    /// (a) `queue.submit` returning, without waiting.
    pub submit_only_ms: f64,
    /// (b) the same work timed until the GPU is done.
    pub submit_and_wait_ms: f64,
    /// (c) the first call on a fresh device.
    pub cold_first_call_ms: f64,
    pub cold_breakdown: ColdStart,
    /// (d) later calls.
    pub warm_call: Summary,
    pub explanation: String,
}

/// The queue, for a status line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct QueueView {
    pub running: usize,
    pub waiting: usize,
    pub capacity: usize,
}
