//! The experiment panel: controls, the run/sweep buttons, live progress and the
//! result. Works without JavaScript (the form posts and the server redirects to
//! the saved run); with it, the page follows progress and shows the result in place.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::estimate::Estimate;
use super::progress::{follow_job, JobStatusLine, Stopwatch};
use super::query::PanelSettings;
use super::results::SavedRunView;
use super::reveal::reveal_result;
use super::server::{cancel_experiment, estimate_experiment, get_run, StartExperiment};
use crate::predictions::server::score_run_prediction;
use crate::predictions::types::{Outcome, PredictedDemo};
use crate::predictions::{OutcomeView, PredictionFields};
use lab_types::{DeviceChoice, JobStatus, LoopStyle, Preset, SavedRun, Sizing};

/// Which controls and buttons a panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelMode {
    /// `/lab`: single runs, both sweeps and the GPU loop styles side by side.
    Full,
    /// A lesson's single-run demo.
    Run,
    /// A lesson's n sweep (b fixed).
    NSweep,
    /// A lesson's batch sweep (n fixed).
    BatchSweep,
}

impl PanelMode {
    /// A lesson's sweep asks for a prediction before it runs.
    fn prediction(self) -> Option<PredictedDemo> {
        match self {
            PanelMode::NSweep => Some(PredictedDemo::NSweep),
            PanelMode::BatchSweep => Some(PredictedDemo::BatchSweep),
            PanelMode::Full | PanelMode::Run => None,
        }
    }
    fn shows_runs(self) -> bool {
        matches!(self, PanelMode::Full | PanelMode::Run)
    }
    fn shows_n(self) -> bool {
        self != PanelMode::NSweep
    }
    fn shows_b(self) -> bool {
        self != PanelMode::BatchSweep
    }
    fn shows_sweep_device(self) -> bool {
        matches!(
            self,
            PanelMode::Full | PanelMode::NSweep | PanelMode::BatchSweep
        )
    }
}

#[component]
pub fn ExperimentPanel(
    mode: PanelMode,
    settings: PanelSettings,
    /// What the defaults were sized for (said beside the form).
    sizing: Sizing,
    /// Called with the run id once a result is saved (e.g. to refresh a history list).
    #[prop(optional)]
    on_saved: Option<Callback<String>>,
) -> impl IntoView {
    let settings = RwSignal::new(settings);
    let start = ServerAction::<StartExperiment>::new();
    let status = RwSignal::new(None::<JobStatus>);
    let job_id = RwSignal::new(None::<String>);
    let result = RwSignal::new(None::<SavedRun>);
    let outcome = RwSignal::new(None::<Outcome>);
    let estimate = RwSignal::new(None::<Estimate>);
    let stopwatch = Stopwatch::new();
    let panel_ref = NodeRef::<leptos::html::Div>::new();

    // A submitted experiment: ask how long it should take (from this
    // server's newest measurements), for the progress bar's time left.
    Effect::new(move |_| {
        let Some(input) = start.input().get() else {
            return;
        };
        estimate.set(None);
        spawn_local(async move {
            let e = estimate_experiment(
                input.action,
                input.model,
                input.n,
                input.b,
                input.device,
                input.threads,
                input.repeats,
                input.loop_style,
            )
            .await;
            estimate.set(e.ok().flatten());
        });
    });

    // A started job: follow its progress, then fetch the saved result.
    Effect::new(move |_| {
        let Some(Ok(id)) = start.value().get() else {
            return;
        };
        job_id.set(Some(id.clone()));
        status.set(Some(JobStatus::Queued { position: 0 }));
        stopwatch.reset();
        follow_job(&id, move |s| {
            stopwatch.observe(&s);
            if let JobStatus::Done { run_id } = &s {
                let run_id = run_id.clone();
                spawn_local(async move {
                    match get_run(run_id.clone()).await {
                        Ok(Some(run)) => {
                            result.set(Some(run));
                            if mode.prediction().is_some() {
                                if let Ok(o) = score_run_prediction(run_id.clone()).await {
                                    outcome.set(o);
                                }
                            }
                            reveal_result(panel_ref);
                            if let Some(cb) = on_saved {
                                cb.run(run_id);
                            }
                        }
                        _ => status.set(Some(JobStatus::Failed {
                            message: "the result could not be loaded".into(),
                        })),
                    }
                });
            }
            status.set(Some(s));
        });
    });

    // On /lab the address bar always reproduces the current setup.
    if mode == PanelMode::Full {
        Effect::new(move |_| {
            let query = settings.with(|s| s.to_query());
            replace_url_query(&query);
        });
    }

    let refused = move || match start.value().get() {
        Some(Err(e)) => Some(match e.field() {
            Some(f) => format!("{e} (field: {f})"),
            None => e.to_string(),
        }),
        _ => None,
    };
    let running = move || {
        status.with(|s| {
            matches!(
                s,
                Some(JobStatus::Queued { .. } | JobStatus::Running { .. })
            )
        })
    };
    let cancel = move |_| {
        if let Some(id) = job_id.get_untracked() {
            spawn_local(async move {
                let _ = cancel_experiment(id).await;
            });
        }
    };

    view! {
        <div class="experiment-panel" data-mode=format!("{mode:?}") node_ref=panel_ref>
            <ActionForm action=start attr:class="panel-form">
                <fieldset>
                    <legend>"Setup"</legend>
                    <label>
                        "Model "
                        <select name="model" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            settings.update(|s| s.model = Preset::from_name(&v).unwrap_or_default());
                        }>
                            {Preset::ALL.into_iter().map(|m| view! {
                                <option value=m.name() selected=move || settings.with(|s| s.model == m)>
                                    {format!("{} ({})", m.name(), m.shape())}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                    <NumberField name="n" label="n (items)" show=mode.shows_n() settings
                        get=|s| s.n.clone() set=|s, v| s.n = v/>
                    <NumberField name="b" label="b (batch size)" show=mode.shows_b() settings
                        get=|s| s.b.clone() set=|s, v| s.b = v/>
                    <NumberField name="threads" label="CPU threads (0 = all)" show=true settings
                        get=|s| s.threads.clone() set=|s, v| s.threads = v/>
                    <NumberField name="repeats" label="Timed repeats" show=true settings
                        get=|s| s.repeats.clone() set=|s, v| s.repeats = v/>
                    {if mode.shows_sweep_device() {
                        view! {
                            <label>
                                "Sweep on "
                                <select name="device" on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    settings.update(|s| s.device = DeviceChoice::from_name(&v).unwrap_or_default());
                                }>
                                    {DeviceChoice::ALL.into_iter().map(|d| view! {
                                        <option value=d.name() selected=move || settings.with(|s| s.device == d)>
                                            {match d { DeviceChoice::Gpu => "GPU", DeviceChoice::Cpu => "CPU", DeviceChoice::Both => "both" }}
                                        </option>
                                    }).collect_view()}
                                </select>
                            </label>
                        }.into_any()
                    } else {
                        view! { <input type="hidden" name="device" value="both"/> }.into_any()
                    }}
                    {(mode == PanelMode::Full).then(|| view! {
                        <label>
                            "GPU loop style "
                            <select name="loop_style" on:change=move |ev| {
                                let v = event_target_value(&ev);
                                settings.update(|s| s.loop_style = LoopStyle::from_name(&v).unwrap_or_default());
                            }>
                                {LoopStyle::ALL.into_iter().map(|l| view! {
                                    <option value=l.name() selected=move || settings.with(|s| s.loop_style == l)>
                                        {l.label()}
                                    </option>
                                }).collect_view()}
                            </select>
                        </label>
                    })}
                </fieldset>
                <p class="sizing-note meta">{sizing.note()}</p>
                {mode.prediction().map(|demo| view! {
                    <input type="hidden" name="predict_for" value=demo.name()/>
                    <PredictionFields demo/>
                }.into_any())}
                // One primary button, first (the one a newcomer should press;
                // Enter in a field submits it too): "Run both" where there are
                // runs, else the lesson's sweep. The rest are secondary.
                <div class="panel-buttons">
                    {mode.shows_runs().then(|| view! {
                        <button type="submit" name="action" value="both" class="run-both primary">"Run both"</button>
                        <button type="submit" name="action" value="gpu" class="run-gpu secondary">"Run on GPU"</button>
                        <button type="submit" name="action" value="cpu" class="run-cpu secondary">"Run on CPU"</button>
                    })}
                    {matches!(mode, PanelMode::Full | PanelMode::NSweep).then(|| view! {
                        <button type="submit" name="action" value="n-sweep"
                            class=button_class("sweep-n", mode == PanelMode::NSweep)>"Sweep n (10 … 100,000)"</button>
                    })}
                    {matches!(mode, PanelMode::Full | PanelMode::BatchSweep).then(|| view! {
                        <button type="submit" name="action" value="batch-sweep"
                            class=button_class("sweep-b", mode == PanelMode::BatchSweep)>"Sweep b (1 … 1,024)"</button>
                    })}
                    {(mode == PanelMode::Full).then(|| view! {
                        <button type="submit" name="action" value="loop-styles" class="compare-loops secondary">"Compare GPU loop styles (same n and b)"</button>
                    })}
                    <button type="button" class="cancel" on:click=cancel hidden=move || !running()>"Cancel"</button>
                </div>
                <p class="setup-link">
                    <a href=move || format!("/lab?{}", settings.with(|s| s.to_query()))>"Link to this setup"</a>
                </p>
            </ActionForm>
            {move || refused().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <JobStatusLine status=status.into() estimate=estimate.into() stopwatch/>
            {move || outcome.get().map(|o| view! { <OutcomeView outcome=o/> }.into_any())}
            {move || result.get().map(|run| view! { <SavedRunView run/> })}
        </div>
    }
}

/// A panel button's classes: its own and whether it is the primary one.
fn button_class(own: &'static str, primary: bool) -> String {
    format!("{own} {}", if primary { "primary" } else { "secondary" })
}

/// A labelled numeric text field bound to one panel setting.
#[component]
fn NumberField(
    name: &'static str,
    label: &'static str,
    show: bool,
    settings: RwSignal<PanelSettings>,
    get: fn(&PanelSettings) -> String,
    set: fn(&mut PanelSettings, String),
) -> impl IntoView {
    if !show {
        // Still submitted: the server fn takes every field.
        return view! { <input type="hidden" name=name value=move || settings.with(get)/> }
            .into_any();
    }
    view! {
        <label>
            {label} " "
            <input type="number" min="0" step="1" inputmode="numeric" name=name required
                value=settings.with_untracked(get)
                prop:value=move || settings.with(get)
                on:input=move |ev| settings.update(|s| set(s, event_target_value(&ev)))/>
        </label>
    }
    .into_any()
}

#[cfg(feature = "hydrate")]
fn replace_url_query(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("/lab?{query}")),
        );
    }
}

#[cfg(not(feature = "hydrate"))]
fn replace_url_query(_query: &str) {}
