//! Request parameters (what the web form / CLI sends).

use serde::{Deserialize, Serialize};

use crate::model::Preset;

/// Which backend(s) a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    Gpu,
    Cpu,
    /// Both, and compare their outputs.
    #[default]
    Both,
}

impl DeviceChoice {
    pub fn uses_gpu(self) -> bool {
        matches!(self, DeviceChoice::Gpu | DeviceChoice::Both)
    }
    pub fn uses_cpu(self) -> bool {
        matches!(self, DeviceChoice::Cpu | DeviceChoice::Both)
    }
}

/// Which WGSL matmul kernel the GPU backend uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kernel {
    /// Shared-memory tiles, 4×4 outputs per thread.
    #[default]
    Tiled,
    /// One thread per output, every operand read from global memory.
    Naive,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Tiled => "tiled",
            Kernel::Naive => "naive",
        }
    }
}

/// One measured run: `n` items in `ceil(n / batch)` batches, `warmup` untimed
/// passes then `repeats` timed passes over all n items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunParams {
    pub model: Preset,
    pub n: usize,
    pub batch: usize,
    pub device: DeviceChoice,
    /// CPU threads; 0 = all cores.
    pub cpu_threads: usize,
    pub repeats: usize,
    pub warmup: usize,
    pub kernel: Kernel,
    /// Per-request override of the server's `LAB_VISIBLE_DEVICES`
    /// (`None` = use the server setting; `Some("")` = hide every GPU).
    pub visible_devices: Option<String>,
}

impl Default for RunParams {
    fn default() -> Self {
        RunParams {
            model: Preset::Medium,
            n: 4096,
            batch: 64,
            device: DeviceChoice::Both,
            cpu_threads: 0,
            repeats: 5,
            warmup: 1,
            kernel: Kernel::Tiled,
            visible_devices: None,
        }
    }
}

/// Parameters of [`crate::Engine::timing_demo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimingDemoParams {
    pub model: Preset,
    pub batch: usize,
    pub kernel: Kernel,
    /// Warm calls to time after the cold one (median reported).
    pub warm_calls: usize,
    pub visible_devices: Option<String>,
}

impl Default for TimingDemoParams {
    fn default() -> Self {
        TimingDemoParams {
            model: Preset::Medium,
            batch: 256,
            kernel: Kernel::Tiled,
            warm_calls: 5,
            visible_devices: None,
        }
    }
}

/// Parameters of [`crate::Engine::infer`]: one batch of items, outputs returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferParams {
    pub model: Preset,
    /// `gpu` or `cpu` (`both` is refused).
    pub device: DeviceChoice,
    pub kernel: Kernel,
    pub cpu_threads: usize,
    /// Index of the first item (inputs depend only on the item index).
    pub first_item: usize,
    /// Items to run (1..=max batch).
    pub count: usize,
    pub visible_devices: Option<String>,
}

impl Default for InferParams {
    fn default() -> Self {
        InferParams {
            model: Preset::Tiny,
            device: DeviceChoice::Cpu,
            kernel: Kernel::Tiled,
            cpu_threads: 0,
            first_item: 0,
            count: 1,
            visible_devices: None,
        }
    }
}
