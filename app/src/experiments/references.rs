//! Production libraries beside a run: the same model shape and batch size,
//! measured with onnxruntime (CPU) and cuBLAS through PyTorch (GPU), each with
//! where and when. The lab's kernels are teaching implementations; these rows
//! show how far they are from production and where the crossover moves.

use lab_types::{DeviceKind, LabError, Preset, RunReport};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::describe::{ratio, si};

/// One production measurement nearest a run's shape (from `content/references/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferencePoint {
    pub library: String,
    pub device: DeviceKind,
    pub machine: String,
    pub measured_at: String,
    pub note: Option<String>,
    pub batch: usize,
    pub gflops: f64,
    pub items_per_s: f64,
}

/// Each reference file's row for `model` at the batch size nearest `batch`.
#[server(prefix = "/api", endpoint = "lab/references")]
pub async fn production_references(
    model: Preset,
    batch: usize,
) -> Result<Vec<ReferencePoint>, LabError> {
    let content = crate::state::content().map_err(LabError::from)?;
    Ok(content
        .references()
        .iter()
        .filter_map(|set| {
            let row = set.nearest(model, batch)?;
            let p = &set.provenance;
            Some(ReferencePoint {
                library: p.library.clone(),
                device: p.device,
                machine: p.machine.clone(),
                measured_at: p.measured_at.clone(),
                note: p.note.clone(),
                batch: row.batch,
                gflops: row.gflops,
                items_per_s: row.items_per_s,
            })
        })
        .collect())
}

/// The reference rows for a run, with how each compares with the run's own device.
#[component]
pub fn ProductionReferences(run: RunReport) -> impl IntoView {
    let (model, batch) = (run.model.preset, run.batch);
    let rows = Resource::new(move || (model, batch), |(m, b)| production_references(m, b));
    let rate = |device| run.result(device).map(|r| r.items_per_s);
    let (gpu_rate, cpu_rate) = (rate(DeviceKind::Gpu), rate(DeviceKind::Cpu));
    let own_rate = move |device| match device {
        DeviceKind::Gpu => gpu_rate,
        DeviceKind::Cpu => cpu_rate,
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let points = rows.await.unwrap_or_default();
                (!points.is_empty()).then(|| view! {
                    <div class="table-scroll" tabindex="0">
                        <table class="results references">
                            <caption>
                                {format!(
                                    "Production libraries on the same shape ({}, nearest measured batch size): recorded, not measured now",
                                    model.name()
                                )}
                            </caption>
                            <thead>
                                <tr>
                                    <th scope="col">"Library"</th>
                                    <th scope="col">"Device"</th>
                                    <th scope="col">"Measured on"</th>
                                    <th scope="col">"b"</th>
                                    <th scope="col">"Items/s"</th>
                                    <th scope="col">"GFLOP/s"</th>
                                    <th scope="col">"vs this run"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {points.into_iter().map(|p| {
                                    let versus = own_rate(p.device)
                                        .filter(|own| *own > 0.0)
                                        .map(|own| format!("{} the lab's {}", ratio(p.items_per_s / own), p.device.label()))
                                        .unwrap_or_else(|| "—".into());
                                    view! {
                                        <tr>
                                            <th scope="row">{p.library}</th>
                                            <td>{p.device.label()}</td>
                                            <td>{format!("{}, {}", p.machine, p.measured_at)}</td>
                                            <td>{p.batch}</td>
                                            <td>{si(p.items_per_s)}</td>
                                            <td>{format!("{:.1}", p.gflops)}</td>
                                            <td>{versus}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <p class="muted">
                        "Rows recorded on another machine compare hardware as well as software: read them as how far production kernels go, not as this server's numbers."
                    </p>
                })
            })}
        </Suspense>
    }
}
