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

use leptos::prelude::*;

/// A server error as one line for the page.
fn error_line(e: ServerFnError) -> AnyView {
    let msg = match e {
        ServerFnError::ServerError(m) => m,
        other => other.to_string(),
    };
    view! { <p class="error" role="alert">{msg}</p> }.into_any()
}
