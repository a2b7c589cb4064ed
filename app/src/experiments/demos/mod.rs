//! The small live demos that lessons embed: GPU visibility, timing, cost.
//!
//! A demo that measures does so only from a POST form (a server function): a
//! GET, with any query, never starts work. Its result is then addressed in
//! the page URL (a kept report or a saved run), so it works the same with and
//! without JavaScript and a link reproduces what the learner saw. The
//! visibility demo only lists adapters, so it stays a GET form.

mod cost;
mod server;
mod timing;
mod visibility;

pub use cost::{cost_per_million, CostCalculator};
pub use server::{measure_throughput, throughput_of_run, timing_demo, timing_result, Throughput};
pub use timing::TimingDemo;
pub use visibility::VisibilityDemo;

use lab_types::LabError;
use leptos::prelude::*;

/// A lab error as one line for the page.
fn error_line(e: LabError) -> AnyView {
    view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any()
}
