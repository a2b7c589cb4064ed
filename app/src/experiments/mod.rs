//! Live experiments: the GPU and CPU inference runs shown on `/lab` and in lessons.

pub mod analysis;
pub mod chart;
pub mod demos;
pub mod describe;
pub mod device_style;
mod devices;
mod error_code;
mod estimate;
#[cfg(any(feature = "ssr", test))]
mod form;
mod history;
mod loop_styles;
mod pages;
mod panel;
mod progress;
mod query;
mod references;
mod results;
mod reveal;
pub mod roofline;
pub mod server;
mod sized;

#[cfg(feature = "ssr")]
mod start;

use leptos::prelude::*;

use crate::lesson_body::DemoKind;
pub use pages::{LabPage, RunPage};
use panel::PanelMode;
use sized::SizedPanel;

/// A live demo embedded in a lesson with `::: demo NAME`.
#[component]
pub fn DemoSlot(kind: DemoKind) -> impl IntoView {
    let content = match kind {
        DemoKind::NSweep => view! { <SizedPanel mode=PanelMode::NSweep/> }.into_any(),
        DemoKind::BatchSweep => view! { <SizedPanel mode=PanelMode::BatchSweep/> }.into_any(),
        DemoKind::Run => view! { <SizedPanel mode=PanelMode::Run/> }.into_any(),
        DemoKind::Visibility => view! { <demos::VisibilityDemo/> }.into_any(),
        DemoKind::Timing => view! { <demos::TimingDemo/> }.into_any(),
        DemoKind::CostCalculator => view! { <demos::CostCalculator/> }.into_any(),
        DemoKind::Roofline => view! { <roofline::RooflineDemo/> }.into_any(),
    };
    // A labelled region, not a top-level complementary landmark: it sits inside `main`.
    let label = match kind {
        DemoKind::NSweep => "Live demo: time against the number of items",
        DemoKind::BatchSweep => "Live demo: throughput against the batch size",
        DemoKind::Run => "Live demo: one run on the GPU and the CPU",
        DemoKind::Visibility => "Live demo: which GPUs a program sees",
        DemoKind::Timing => "Live demo: timing a GPU call",
        DemoKind::CostCalculator => "Live demo: cost per million inferences",
        DemoKind::Roofline => "Live demo: this server's roofline",
    };
    view! { <aside class="demo" role="region" aria-label=label data-demo=kind.name()>{content}</aside> }
}
