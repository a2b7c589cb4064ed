//! The small live demos that lessons embed: GPU visibility, timing, cost.
//!
//! Each keeps its inputs in the page URL (a GET form), so it works the same with
//! and without JavaScript and a link reproduces what the learner saw.

mod cost;
mod server;
mod timing;
mod visibility;

pub use cost::{cost_per_million, CostCalculator};
pub use server::{measure_throughput, timing_demo, Throughput};
pub use timing::TimingDemo;
pub use visibility::VisibilityDemo;

use lab_types::LabError;
use leptos::prelude::*;

/// A lab error as one line for the page.
fn error_line(e: LabError) -> AnyView {
    view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()
}
