//! The roofline on the pages: the roofs with how they were measured, the
//! chart, and a table of every point with "% of the roof that bounds it".

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::chart::RooflineChart;
use super::points::{placement, result_points, RoofPath, RoofPoint, Source};
use super::server::{get_roofs, own_points, reference_points, MeasureRoofs, ANCHOR};
use crate::experiments::chart::spoken;
use crate::predictions::types::PredictedDemo;
use crate::predictions::{PredictionFields, PredictionResult};
use lab_types::{DeviceRoofs, ExperimentResult, Preset, Roof, RoofsState, RoofsView};

/// "12.3 GB/s (p10–p90 11.9–12.8, 9 samples)".
fn roof_value(roof: &Roof, unit: &str) -> String {
    match &roof.spread {
        Some(s) => format!(
            "{} {unit} (p10–p90 {}–{}, {} samples)",
            spoken(roof.value),
            spoken(s.p10),
            spoken(s.p90),
            s.samples
        ),
        None => format!("{} {unit}", spoken(roof.value)),
    }
}

/// Each device's two roofs, the ridge point, and how they were measured.
#[component]
fn RoofsTable(roofs: Vec<DeviceRoofs>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0">
            <table class="data roofs-table">
                <caption>"This server's roofs, measured once since it started"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"Compute roof (peak)"</th>
                        <th scope="col">"Memory roof (bandwidth)"</th>
                        <th scope="col">"Ridge point"</th>
                        <th scope="col">"How it was measured"</th>
                    </tr>
                </thead>
                <tbody>
                    {roofs.into_iter().map(|r| view! {
                        <tr data-device=r.device.label()>
                            <th scope="row">
                                {format!("{}: {}", r.device.label(), r.name)}
                                {r.software.then(|| view! {
                                    <span class="software-label">" — software emulation on the CPU: its roofs are the CPU's, reached through a driver"</span>
                                })}
                            </th>
                            <td class="num">{roof_value(&r.compute, "GFLOP/s")}</td>
                            <td class="num">{roof_value(&r.memory, "GB/s")}</td>
                            <td class="num">{format!("{} FLOP/B", spoken(r.ridge()))}</td>
                            <td>{format!("{} {} (took {:.1} s.)", r.compute.method, r.memory.method, r.took_ms / 1e3)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A share of a roof: "22 %", or "0.5 %" below ten, so a small share never reads 0.
pub(super) fn percent(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p < 10.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.0} %")
    }
}

fn source_text(p: &RoofPoint) -> &'static str {
    match p.source {
        Source::Kernel => "kernels only (GPU timestamps)",
        Source::Wall => "whole pass (wall clock)",
        Source::Reference => "recorded on another machine",
    }
}

/// Every measured point with the roof that bounds it and how much of it was
/// reached; the recorded production rows apart, folded, with their machines.
#[component]
fn PlacementTable(roofs: Vec<DeviceRoofs>, points: Vec<RoofPoint>) -> AnyView {
    let above = points
        .iter()
        .filter_map(|p| placement(&roofs, p))
        .any(|pl| pl.above_roof());
    let (references, measured): (Vec<RoofPoint>, Vec<RoofPoint>) = points
        .into_iter()
        .partition(|p| p.source == Source::Reference);
    view! {
        {(!measured.is_empty()).then(|| view! {
            <div class="table-scroll" tabindex="0">
                <table class="data roofline-table">
                    <caption>"Each point measured here against the roof that bounds it"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Point"</th>
                            <th scope="col">"Intensity (FLOP/B)"</th>
                            <th scope="col">"Achieved GFLOP/s"</th>
                            <th scope="col">"Timed over"</th>
                            <th scope="col">"Bound by"</th>
                            <th scope="col">"Roof there (GFLOP/s)"</th>
                            <th scope="col">"% of that roof"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {measured.iter().map(|p| {
                            let (bound, roof, share) = match placement(&roofs, p) {
                                Some(pl) => (
                                    format!("{} roof", pl.bound.name()),
                                    spoken(pl.roof_gflops),
                                    format!("{}{}", percent(pl.fraction), if pl.above_roof() { " (above the roof)" } else { "" }),
                                ),
                                None => ("no roofs measured for this adapter".into(), "—".into(), "—".into()),
                            };
                            view! {
                                <tr data-device=p.device.label()>
                                    <th scope="row">{format!("{} {}", p.device.label(), p.label)}</th>
                                    <td class="num">{spoken(p.intensity)}</td>
                                    <td class="num">{spoken(p.gflops)}</td>
                                    <td>{source_text(p)}</td>
                                    <td>{bound}</td>
                                    <td class="num">{roof}</td>
                                    <td class="num">{share}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        }.into_any())}
        {above.then(|| view! {
            <p class="note roof-above">
                "A point above its roof is not faster than the hardware: the model or a measurement is off. "
                "Usually the data was re-read from a cache, so the memory traffic was less than the “least bytes” the intensity counts, "
                "or the probe that measured the roof did not reach the device's true peak. The number is shown as measured."
            </p>
        }.into_any())}
        {(!references.is_empty()).then(|| view! {
            <details class="roofline-references">
                <summary>{format!("The {} production rows on the chart (recorded on other machines, not under this server's roofs)", references.len())}</summary>
                <div class="table-scroll" tabindex="0">
                    <table class="data roofline-reference-table">
                        <caption>"Production libraries on the same model, recorded elsewhere"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Row"</th>
                                <th scope="col">"Intensity (FLOP/B)"</th>
                                <th scope="col">"GFLOP/s"</th>
                                <th scope="col">"Machine"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {references.iter().map(|p| view! {
                                <tr data-device=p.device.label()>
                                    <th scope="row">{format!("{} {}", p.device.label(), p.label)}</th>
                                    <td class="num">{spoken(p.intensity)}</td>
                                    <td class="num">{spoken(p.gflops)}</td>
                                    <td>{p.adapter.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        }.into_any())}
    }
    .into_any()
}

/// The chart and its table for `roofs` and the given points.
#[component]
pub fn RooflinePlot(
    title: String,
    roofs: Vec<DeviceRoofs>,
    points: Vec<RoofPoint>,
    #[prop(optional)] paths: Vec<RoofPath>,
) -> AnyView {
    let svg = RooflineChart {
        title: title.clone(),
        roofs: &roofs,
        points: &points,
        paths: &paths,
    }
    .to_svg();
    let mut all = points;
    all.extend(paths.into_iter().flat_map(|p| p.points));
    view! {
        <figure class="chart-figure roofline">
            <div class="chart-box" tabindex="0" inner_html=svg></div>
            <figcaption>
                {title}
                ". Under the slanted line a kernel is bounded by memory bandwidth × intensity; "
                "under the flat line by peak arithmetic. Filled dots: measured here. Hollow squares: production libraries recorded on another machine."
            </figcaption>
        </figure>
        <PlacementTable roofs points=all/>
    }
    .into_any()
}

/// The button that measures the roofs, with the lesson's prediction when `predict`.
#[component]
fn MeasureForm(
    action: ServerAction<MeasureRoofs>,
    #[prop(optional)] predict: bool,
) -> impl IntoView {
    // One memo for the form, not one per read (`pending()` makes a new one).
    let pending = action.pending();
    view! {
        <ActionForm action=action>
            {predict.then(|| view! {
                <input type="hidden" name="predict" value="yes"/>
                <PredictionFields demo=PredictedDemo::Roofline/>
            })}
            <button type="submit" disabled=move || pending.get()>"Measure this server's roofs"</button>
            <span class="meta">" (a few seconds; once per server start, then kept)"</span>
        </ActionForm>
        {move || pending.get().then(|| view! {
            <p aria-live="polite">"Measuring the roofs on the server…"</p>
        })}
    }
}

/// What a page says before the roofs are measured, or when that failed.
fn state_line(state: &RoofsState) -> Option<AnyView> {
    match state {
        RoofsState::Measured => None,
        RoofsState::NotMeasured => Some(view! {
            <p class="meta">"This server's roofs have not been measured since it started. Measuring takes a few seconds, on every device at once."</p>
        }.into_any()),
        RoofsState::Measuring => Some(view! {
            <p class="meta" aria-live="polite">"The roofs are being measured now."</p>
        }.into_any()),
        RoofsState::Failed { message } => Some(view! {
            <p class="error" role="alert">{format!("Measuring the roofs failed: {message}")}</p>
        }.into_any()),
    }
}

/// A refusal of the last measure: from the action (with JavaScript) or the URL.
fn refusal(action: ServerAction<MeasureRoofs>) -> impl Fn() -> Option<String> + Copy {
    let query = use_query_map();
    move || match action.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => query
            .read()
            .get("roofs_error")
            .and_then(|code| crate::experiments::error_code::message(&code, None)),
    }
}

/// The roofline of one result, under the roofs when they are measured.
#[component]
pub fn RooflineFor(result: ExperimentResult) -> impl IntoView {
    let action = ServerAction::<MeasureRoofs>::new();
    let roofs = Resource::new(move || action.version().get(), |_| get_roofs());
    let model = match &result {
        ExperimentResult::Run(r) => r.model.preset,
        ExperimentResult::Sweep(s) => s.params.model,
    };
    let references = Resource::new(move || model, reference_points);
    let (points, paths) = result_points(&result);
    let refused = refusal(action);
    view! {
        // No heading of its own: the result sits under an h2 on its own page
        // and an h3 in a panel, and the section's label names it either way.
        <section class="roofline-result" aria-label="Where this sits under the roofs">
            <p class="roofline-lead"><strong>"Where this sits under the roofs"</strong></p>
            <Suspense fallback=|| view! { <p aria-live="polite">"Loading the roofs…"</p> }>
                {move || {
                    let (points, paths) = (points.clone(), paths.clone());
                    Suspend::new(async move {
                        let view: RoofsView = match roofs.await {
                            Ok(v) => v,
                            Err(e) => return view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                        };
                        let mut points = points;
                        points.extend(references.await.unwrap_or_default());
                        let measured = view.state == RoofsState::Measured;
                        view! {
                            {state_line(&view.state)}
                            {(!measured).then(|| view! { <MeasureForm action/> })}
                            {measured.then(|| view! {
                                <RooflinePlot title=format!("Roofline of {}", model.name()) roofs=view.roofs.clone() points paths/>
                            })}
                        }.into_any()
                    })
                }}
            </Suspense>
            {move || refused().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
    }
}

/// `/lab`'s section: the roofs, how they were measured, and the learner's own
/// newest results under them.
#[component]
pub fn RoofsSection() -> impl IntoView {
    let action = ServerAction::<MeasureRoofs>::new();
    let roofs = Resource::new(move || action.version().get(), |_| get_roofs());
    let points = Resource::new(move || action.version().get(), |_| own_points());
    let refused = refusal(action);
    view! {
        <section class="roofs-section" aria-labelledby=ANCHOR>
            <h2 id=ANCHOR>"This server's roofs"</h2>
            <p>
                "No kernel can beat two ceilings: the device's peak arithmetic (the compute roof) and its memory bandwidth × the work's "
                "arithmetic intensity, FLOPs per byte moved (the memory roof). Your runs are placed under them below."
            </p>
            <Suspense fallback=|| view! { <p aria-live="polite">"Loading the roofs…"</p> }>
                {move || Suspend::new(async move {
                    let view = match roofs.await {
                        Ok(v) => v,
                        Err(e) => return view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    };
                    let points = points.await.unwrap_or_default();
                    let measured = view.state == RoofsState::Measured;
                    view! {
                        {state_line(&view.state)}
                        {(!measured).then(|| view! { <MeasureForm action/> })}
                        {measured.then(|| view! {
                            <RoofsTable roofs=view.roofs.clone()/>
                            <RooflinePlot title="Your newest runs under this server's roofs".to_string() roofs=view.roofs.clone() points/>
                        })}
                    }.into_any()
                })}
            </Suspense>
            {move || refused().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </section>
    }
}

/// Lesson 4's demo: predict what bounds `medium` at b = 1, measure the roofs,
/// and see the learner's own runs and the production rows under them.
#[component]
pub fn RooflineDemo() -> impl IntoView {
    let action = ServerAction::<MeasureRoofs>::new();
    let navigate = use_navigate();
    // With JavaScript, go where a plain form post is redirected (the prediction's outcome).
    Effect::new(move |_| {
        if let Some(Ok(query)) = action.value().get() {
            navigate(
                &format!("?{query}#{ANCHOR}"),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
    let roofs = Resource::new(move || action.version().get(), |_| get_roofs());
    let points = Resource::new(move || action.version().get(), |_| own_points());
    let references = Resource::new(|| (), |_| reference_points(Preset::Medium));
    let refused = refusal(action);
    // Predict, then measure: the roofs show once this page holds a prediction.
    let query = use_query_map();
    let predicted = move || query.read().get("roofline_prediction").is_some();
    view! {
        <section class="demo-card roofline-demo" aria-labelledby=ANCHOR>
            <h3 id=ANCHOR>"Try it: where do your runs sit under this server's roofs?"</h3>
            <MeasureForm action predict=true/>
            {move || refused().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <PredictionResult param="roofline_prediction"/>
            <Suspense fallback=|| view! { <p aria-live="polite">"Loading the roofs…"</p> }>
                {move || Suspend::new(async move {
                    let view = match roofs.await {
                        Ok(v) => v,
                        Err(e) => return view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    };
                    let mut points = points.await.unwrap_or_default();
                    points.extend(references.await.unwrap_or_default());
                    let measured = view.state == RoofsState::Measured;
                    if !predicted() {
                        return view! {
                            <p class="meta">"Make your prediction, then press the button: the chart appears with the answer."</p>
                        }.into_any();
                    }
                    view! {
                        {state_line(&view.state)}
                        {measured.then(|| view! {
                            <RoofsTable roofs=view.roofs.clone()/>
                            <RooflinePlot title="Your runs and the production rows (medium) under this server's roofs".to_string() roofs=view.roofs.clone() points/>
                            <p class="meta">"No runs of yours yet? Run the batch sweep above: each batch size becomes a point."</p>
                        })}
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}
