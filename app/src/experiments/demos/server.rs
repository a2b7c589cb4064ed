//! Server functions behind the lesson demos.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use lab_types::{DeviceList, LabError, Preset, TimingReport};

#[cfg(feature = "ssr")]
use crate::experiments::server::refuse;

/// Items per second measured on this server, per device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub model: Preset,
    pub batch: usize,
    pub gpu_items_per_s: Option<f64>,
    pub gpu_label: Option<String>,
    pub cpu_items_per_s: Option<f64>,
    pub cpu_label: Option<String>,
    /// The saved run the numbers come from.
    pub run_id: String,
}

#[cfg(feature = "ssr")]
fn model_from(name: &str) -> Result<Preset, LabError> {
    name.parse::<Preset>()
        .map_err(|e| refuse(LabError::invalid("model", e.to_string())))
}

/// The timing lesson's measurement: submit without waiting vs waiting, cold vs warm.
#[server(prefix = "/api", endpoint = "demos/timing")]
pub async fn timing_demo(model: String, batch: usize) -> Result<TimingReport, LabError> {
    use lab_types::TimingParams;
    let params = TimingParams {
        model: model_from(&model)?,
        batch,
        ..TimingParams::default()
    };
    let lab = crate::state::lab().map_err(|e| refuse(e.into()))?;
    lab.timing_demo(params).await.map_err(refuse)
}

/// Measures items/s on both devices for the cost calculator (a normal, saved run).
#[server(prefix = "/api", endpoint = "demos/throughput")]
pub async fn measure_throughput(model: String, batch: usize) -> Result<Throughput, LabError> {
    use lab_types::{DeviceChoice, DeviceKind, RunParams};
    let model = model_from(&model)?;
    let params = RunParams {
        model,
        // Enough items for a steady rate, few enough that a software GPU answers in seconds.
        n: 1024,
        batch,
        device: DeviceChoice::Both,
        repeats: 3,
        ..RunParams::default()
    };
    let lab = crate::state::lab().map_err(|e| refuse(e.into()))?;
    let (run_id, view) = lab.run(params, None).await.map_err(refuse)?;
    let pick = |kind| view.result(kind).map(|r| (r.items_per_s, r.label.clone()));
    let (gpu, cpu) = (pick(DeviceKind::Gpu), pick(DeviceKind::Cpu));
    Ok(Throughput {
        model,
        batch,
        gpu_items_per_s: gpu.as_ref().map(|g| g.0),
        gpu_label: gpu.map(|g| g.1),
        cpu_items_per_s: cpu.as_ref().map(|c| c.0),
        cpu_label: cpu.map(|c| c.1),
        run_id,
    })
}

/// The adapters under a visibility string. `set = false` means the variable is unset;
/// `set = true` with an empty `visible` means it is the empty string (no GPU). Two
/// fields, because an empty `Option<String>` does not survive form encoding.
#[server(prefix = "/api", endpoint = "demos/devices")]
pub async fn devices_under(set: bool, visible: String) -> Result<DeviceList, LabError> {
    if visible.len() > 200 {
        return Err(refuse(LabError::invalid(
            "visible",
            "the visibility string is longer than 200 characters",
        )));
    }
    let lab = crate::state::lab().map_err(|e| refuse(e.into()))?;
    lab.devices(set.then_some(visible)).await.map_err(refuse)
}
