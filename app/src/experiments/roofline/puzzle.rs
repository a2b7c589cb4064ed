//! A correct puzzle kernel under the GPU's roofs: "your map kernel moved
//! N GB/s of the M GB/s this GPU's memory allows".

use leptos::prelude::*;

use super::server::get_roofs;
use super::view::percent;
use crate::experiments::chart::spoken;
use crate::experiments::describe::grouped;
use lab_types::{puzzle_work, Bound, DeviceKind, KernelTiming, PuzzleReference, PuzzleSize};

/// One kernel's line: what bounds it here and how much of that roof it reached.
fn line(roofs: &lab_types::DeviceRoofs, work: lab_types::Work, k: &KernelTiming) -> String {
    let seconds = k.summary.median_ms / 1e3;
    if seconds <= 0.0 {
        return format!("{}: too fast to time.", k.name);
    }
    let gflops = work.flops / seconds / 1e9;
    let placed = roofs.place(work.intensity(), gflops);
    let above = if placed.above_roof() {
        " — above the roof: the data came partly from a cache, so less traffic crossed the memory bus than the least-bytes count says"
    } else {
        ""
    };
    match placed.bound {
        Bound::Memory => format!(
            "{}: {} GB/s of the {} GB/s this GPU's memory roof allows ({}){above}.",
            k.name,
            spoken(work.bytes / seconds / 1e9),
            spoken(roofs.memory.value),
            percent(placed.fraction)
        ),
        Bound::Compute => format!(
            "{}: {} GFLOP/s of the {} GFLOP/s this GPU's compute roof allows ({}){above}.",
            k.name,
            spoken(gflops),
            spoken(placed.roof_gflops),
            percent(placed.fraction)
        ),
    }
}

/// The kernels of a correct puzzle outcome placed under the roofs of the
/// adapter that ran them, when this server has measured them (never measures).
#[component]
pub fn PuzzleRoofs(
    adapter: String,
    reference: PuzzleReference,
    size: PuzzleSize,
    kernels: Vec<KernelTiming>,
) -> impl IntoView {
    let roofs = Resource::new(|| (), |_| get_roofs());
    let work = puzzle_work(reference, size);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (adapter, kernels) = (adapter.clone(), kernels.clone());
                Suspend::new(async move {
                    let view = roofs.await.unwrap_or_default();
                    let gpu = view
                        .device(DeviceKind::Gpu)
                        .filter(|r| r.name == adapter)
                        .cloned();
                    view! {
                        <section class="puzzle-roofs" aria-label="Under the roofs">
                            <h3>"Under the roofs"</h3>
                            <p>{format!(
                                "At this size the kernel does {} FLOP over at least {} bytes: {} FLOP per byte.",
                                grouped(work.flops.round() as usize),
                                grouped(work.bytes.round() as usize),
                                spoken(work.intensity())
                            )}</p>
                            {match gpu {
                                Some(r) => view! {
                                    <ul>{kernels.iter().map(|k| view! { <li>{line(&r, work, k)}</li> }).collect_view()}</ul>
                                }.into_any(),
                                None => view! {
                                    <p class="meta">
                                        "Measure this server's roofs in the "
                                        <a href="/lab#roofline-title">"lab"</a>
                                        " to see how much of the GPU's bandwidth or arithmetic your kernel uses."
                                    </p>
                                }.into_any(),
                            }}
                        </section>
                    }
                })
            }}
        </Suspense>
    }
}
