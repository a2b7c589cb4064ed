//! The experiment panel with defaults sized to this server's adapter
//! (`lab_types::Sizing`). The server decides the sizing once at start-up and
//! the page carries it to the browser (`App` provides it as context), so the
//! form the server renders (which works without JavaScript), the hydrated one
//! and one rendered after a client-side navigation all start from the same
//! values.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use super::panel::{ExperimentPanel, PanelMode};
use super::query::PanelSettings;
use lab_types::Sizing;

#[component]
pub fn SizedPanel(
    mode: PanelMode,
    /// `/lab`'s query: what it names overrides the defaults.
    #[prop(optional)]
    query: Option<ParamsMap>,
    #[prop(optional)] on_saved: Option<Callback<String>>,
) -> impl IntoView {
    // Unknown (no context): the small sizes, which answer quickly anywhere.
    let sizing = use_context::<Sizing>().unwrap_or(Sizing::Software);
    let settings = match (mode, &query) {
        (PanelMode::Full, Some(q)) => PanelSettings::from_query(q, sizing),
        (PanelMode::NSweep, _) => PanelSettings::n_sweep(sizing),
        (PanelMode::BatchSweep, _) => PanelSettings::batch_sweep(sizing),
        _ => PanelSettings::run(sizing),
    };
    match on_saved {
        Some(on_saved) => view! { <ExperimentPanel mode settings sizing on_saved/> }.into_any(),
        None => view! { <ExperimentPanel mode settings sizing/> }.into_any(),
    }
}
