//! Parameters of calls that are not on the wire ([`crate::Engine::infer`]);
//! the wire's own (runs, sweeps, the timing demo) live in `lab_types`.

use lab_types::{DeviceChoice, Kernel, LoopStyle, Preset};
use serde::{Deserialize, Serialize};

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
    /// GPU only: how the one batch is submitted (pipelined = one submit here).
    pub loop_style: LoopStyle,
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
            loop_style: LoopStyle::RoundTrips,
        }
    }
}
