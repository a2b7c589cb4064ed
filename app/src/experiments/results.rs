//! Result views: the adapter that ran, the numbers table, the charts, output
//! agreement, and the sweep tables with their fit or crossover.

use leptos::prelude::*;

use super::analysis::{crossover, linear_fit, series_ms, series_rate, Crossover, LinearFit};
use super::chart::{Axis, Bar, BarChart, LineChart, Series};
use super::describe::{grouped, ms, ratio, request_title, si};
use super::device_style;
use super::loop_styles::LoopStyleResult;
use super::references::ProductionReferences;
use super::roofline::RooflineFor;
use lab_types::{
    Agreement, DeviceKind, DeviceResult, ExperimentRequest, ExperimentResult, RunReport, SavedRun,
    Summary, SweepKind, SweepReport,
};

/// A saved experiment with its share link. Its title is an `h3` (under a panel's
/// section), or an `h2` on a page of its own (`top_level`), so headings never skip a level.
#[component]
pub fn SavedRunView(run: SavedRun, #[prop(optional)] top_level: bool) -> impl IntoView {
    let title = match &run.result {
        ExperimentResult::Run(r) => request_title(&ExperimentRequest::Run(r.params.clone())),
        ExperimentResult::Sweep(s) => request_title(&ExperimentRequest::Sweep(s.params.clone())),
    };
    let href = format!("/lab/runs/{}", run.id);
    view! {
        <section class="run-result" aria-label="Experiment result" data-run-id=run.id.clone()>
            <header class="run-head">
                // Focusable from script only: where focus goes when a run
                // finishes (see `reveal`).
                {if top_level {
                    view! { <h2 tabindex="-1">{title}</h2> }.into_any()
                } else {
                    view! { <h3 tabindex="-1">{title}</h3> }.into_any()
                }}
                <p class="run-meta">
                    "Measured " <time datetime=run.created_at.clone()>{run.created_at.replace('T', " ").trim_end_matches('Z').to_string()} " UTC"</time>
                    " · " <a class="share-link" href=href.clone()>"Shareable link to this run"</a>
                </p>
            </header>
            {match run.result {
                ExperimentResult::Run(r) => view! { <RunResult run=r/> }.into_any(),
                ExperimentResult::Sweep(s) => view! { <SweepResult sweep=s/> }.into_any(),
            }}
        </section>
    }
}

/// Which adapter ran, labelled plainly when it is software emulation.
#[component]
pub fn AdapterLabels(results: Vec<DeviceResult>) -> impl IntoView {
    view! {
        <ul class="adapters">
            {results
                .into_iter()
                .map(|r| {
                    let backend = r.backend.clone().map(|b| format!(" ({b})")).unwrap_or_default();
                    view! {
                        <li class="adapter" data-device=r.device.label()>
                            <strong>{r.device.label()} ": "</strong>
                            <span class="adapter-name">{r.name.clone()} {backend}</span>
                            " — "
                            <span class:software-label=r.software>{r.label.clone()}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

fn spread(s: &Summary) -> String {
    format!("{} ({}–{})", ms(s.median_ms), ms(s.p10_ms), ms(s.p90_ms))
}

/// A time per item, which can be far below a microsecond.
fn per_item(v_ms: f64) -> String {
    let ns = v_ms * 1e6;
    if !ns.is_finite() || ns >= 1e3 {
        ms(v_ms)
    } else if ns >= 10.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{ns:.2} ns")
    }
}

/// One run: adapters, table, phase chart, speedup and agreement.
#[component]
pub fn RunResult(run: RunReport) -> impl IntoView {
    let speedup = run.gpu_speedup();
    let chart = phase_chart(&run);
    view! {
        <AdapterLabels results=run.results.clone()/>
        <div class="table-scroll" tabindex="0">
            <table class="results">
                <caption>
                    {format!(
                        "{} model ({} parameters), n = {} items in {} batches of {} (last {}); median of {} timed passes, 10th–90th percentile in brackets",
                        run.model.preset.name(),
                        grouped(run.model.parameters),
                        grouped(run.n),
                        grouped(run.batches),
                        grouped(run.batch),
                        grouped(run.last_batch),
                        run.params.repeats
                    )}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"Wall time per pass"</th>
                        <th scope="col">"Upload"</th>
                        <th scope="col">"Compute"</th>
                        <th scope="col">"Readback"</th>
                        <th scope="col">"Kernel (timestamps)"</th>
                        <th scope="col">"Items/s"</th>
                        <th scope="col">"GFLOP/s"</th>
                        <th scope="col">"Cold start"</th>
                    </tr>
                </thead>
                <tbody>
                    {run.results.iter().map(|r| view! {
                        <tr data-device=r.device.label()>
                            <th scope="row">{r.device.label()}</th>
                            <td>{spread(&r.wall)}</td>
                            <td>{ms(r.phases.upload.median_ms)}</td>
                            <td>{ms(r.phases.compute.median_ms)}</td>
                            <td>{ms(r.phases.readback.median_ms)}</td>
                            <td>{r.phases.kernel.map(|k| ms(k.median_ms)).unwrap_or_else(|| "not available".into())}</td>
                            <td>{si(r.items_per_s)}</td>
                            <td>{format!("{:.2}", r.gflops)}</td>
                            <td>{ms(r.cold_start.total_ms)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {speedup.map(|s| view! { <p class="speedup">{speedup_text(s)}</p> })}
        <ProductionReferences run=run.clone()/>
        <figure class="chart-figure">
            <div class="chart-box" tabindex="0" inner_html=chart></div>
            <figcaption>"Median time of each phase per pass over all n items."</figcaption>
        </figure>
        <RooflineFor result=ExperimentResult::Run(run.clone())/>
        {run.agreement.map(|a| view! { <AgreementView agreement=a/> })}
        <details class="notes">
            <summary>"How this was measured"</summary>
            <ul>
                {run.results.iter().map(|r| view! { <li>{format!("{}: {}", r.device.label(), r.timing_method)}</li> }).collect_view()}
                {run.notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
        </details>
    }
}

fn speedup_text(s: f64) -> String {
    if s >= 1.0 {
        format!(
            "GPU/CPU speedup: {} — the GPU was {} faster.",
            ratio(s),
            ratio(s)
        )
    } else {
        format!(
            "GPU/CPU speedup: {} — the CPU was {} faster.",
            ratio(s),
            ratio(1.0 / s)
        )
    }
}

fn phase_chart(run: &RunReport) -> String {
    let bars = run
        .results
        .iter()
        .map(|r| Bar {
            label: r.device.label().to_string(),
            segments: vec![
                (
                    "upload".to_string(),
                    "var(--muted)",
                    r.phases.upload.median_ms,
                ),
                (
                    "compute".to_string(),
                    device_style::colour(r.device),
                    r.phases.compute.median_ms,
                ),
                (
                    "readback".to_string(),
                    "var(--accent)",
                    r.phases.readback.median_ms,
                ),
            ],
        })
        .collect();
    BarChart {
        title: "Time per pass by phase".into(),
        unit: "milliseconds per pass".into(),
        bars,
    }
    .to_svg()
}

#[component]
fn AgreementView(agreement: Agreement) -> impl IntoView {
    let verdict = if agreement.matches {
        "The outputs agree."
    } else {
        "The outputs differ more than float rounding explains."
    };
    view! {
        <p class="agreement" class:mismatch=!agreement.matches>
            <strong>"Output agreement: "</strong>
            {format!(
                "max abs error {:.2e} (largest output {:.3}), argmax agreement {:.1} % over {} items{}. ",
                agreement.max_abs_error,
                agreement.max_abs_output,
                agreement.argmax_agreement * 100.0,
                grouped(agreement.items_compared),
                if agreement.all_items { " (all)" } else { "" }
            )}
            {verdict}
        </p>
    }
}

/// A sweep: table, chart, and the fit (n) or crossover (batch); the loop
/// styles side by side have a view of their own.
#[component]
pub fn SweepResult(sweep: SweepReport) -> impl IntoView {
    if sweep.params.kind == SweepKind::LoopStyle {
        return view! { <LoopStyleResult sweep/> }.into_any();
    }
    let results = sweep
        .points
        .first()
        .map(|p| p.run.results.clone())
        .unwrap_or_default();
    let devices: Vec<DeviceKind> = results.iter().map(|r| r.device).collect();
    let kind = sweep.params.kind;
    let chart = sweep_chart(&sweep, &devices);
    let roofline = ExperimentResult::Sweep(sweep.clone());
    let summary = match kind {
        SweepKind::N => fit_summary(&sweep, &devices).into_any(),
        SweepKind::Batch | SweepKind::LoopStyle => {
            view! { <p class="crossover">{crossover_text(&sweep)}</p> }.into_any()
        }
    };
    let caption = match kind {
        SweepKind::N => format!(
            "Median time per pass for each n at b = {}",
            grouped(sweep.params.batch)
        ),
        SweepKind::Batch | SweepKind::LoopStyle => format!(
            "Throughput for each batch size b at n = {}",
            grouped(sweep.params.n)
        ),
    };
    let axis = kind.axis();
    // n sweeps also show the time per item and each point's distance from the fit.
    let is_n = kind == SweepKind::N;
    let fits: Vec<Option<LinearFit>> = devices
        .iter()
        .map(|&d| {
            if is_n {
                linear_fit(&series_ms(&sweep, d))
            } else {
                None
            }
        })
        .collect();
    view! {
        <AdapterLabels results/>
        <p class="sweep-duration">{format!("The whole sweep took {:.1} s of measurement.", sweep.elapsed_ms / 1e3)}</p>
        {summary}
        <figure class="chart-figure">
            <div class="chart-box" tabindex="0" inner_html=chart></div>
            <figcaption>{caption.clone()}</figcaption>
        </figure>
        <RooflineFor result=roofline/>
        <div class="table-scroll" tabindex="0">
            <table class="results sweep">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{axis}</th>
                        {devices.iter().map(|d| view! {
                            <th scope="col">{format!("{} time", d.label())}</th>
                            <th scope="col">{format!("{} items/s", d.label())}</th>
                            {is_n.then(|| view! {
                                <th scope="col">{format!("{} time per item", d.label())}</th>
                                <th scope="col">{format!("{} vs fit", d.label())}</th>
                            })}
                        }).collect_view()}
                        {(devices.len() == 2).then(|| view! { <th scope="col">"GPU/CPU speedup"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {sweep.points.iter().map(|p| {
                        let cells = devices.iter().zip(&fits).map(|(&d, fit)| {
                            let r = p.run.result(d);
                            let x = p.x as f64;
                            let per = r.filter(|_| p.x > 0).map(|r| per_item(r.wall.median_ms / x));
                            let residual = r.zip(fit.as_ref()).map(|(r, f)| {
                                format!("{:+.0} %", f.relative_residual(x, r.wall.median_ms) * 100.0)
                            });
                            view! {
                                <td>{r.map(|r| spread(&r.wall)).unwrap_or_default()}</td>
                                <td>{r.map(|r| si(r.items_per_s)).unwrap_or_default()}</td>
                                {is_n.then(|| view! {
                                    <td>{per.unwrap_or_default()}</td>
                                    <td>{residual.unwrap_or_default()}</td>
                                })}
                            }
                        }).collect_view();
                        view! {
                            <tr>
                                <th scope="row">{grouped(p.x)}</th>
                                {cells}
                                {(devices.len() == 2).then(|| view! { <td>{p.run.gpu_speedup().map(|s| format!("{s:.2}×")).unwrap_or_default()}</td> })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

fn fit_summary(sweep: &SweepReport, devices: &[DeviceKind]) -> impl IntoView {
    let lines: Vec<String> = devices
        .iter()
        .filter_map(|&d| {
            let fit = linear_fit(&series_ms(sweep, d))?;
            let loglog = match fit.loglog_slope_se {
                Some(se) => format!("{:.2} ± {:.2}", fit.loglog_slope, se),
                None => format!("{:.2}", fit.loglog_slope),
            };
            Some(format!(
                "{}: time ≈ {} + {} per item × n (R² = {:.4}{}); log-log slope {} (1 = time in proportion to n)",
                d.label(),
                ms(fit.intercept_ms),
                per_item(fit.slope_ms_per_item),
                fit.r2,
                if fit.intercept_clamped {
                    "; fixed cost held at 0, as the best line had a negative intercept"
                } else {
                    ""
                },
                loglog
            ))
        })
        .collect();
    view! {
        <div class="fit">
            <p>"A line through the measured times, fitted on relative errors so that every n counts, not just the largest (weighted least squares, weights 1/time²), and the slope of log time against log n (± its standard error):"</p>
            <ul>{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
            <p class="fit-note">"R² close to 1 is consistent with a straight line but does not prove one. Check the log-log slope too (1 when time is proportional to n, lower while a fixed cost dominates the smaller n), that the time per item levels off as n grows, and that no point strays far from the fit (the \"vs fit\" column)."</p>
        </div>
    }
}

fn crossover_text(sweep: &SweepReport) -> String {
    match crossover(sweep) {
        Some(Crossover::At { before, at }) => format!(
            "Crossover: the GPU overtakes the CPU between b = {} and b = {} and stays ahead from b = {} on.",
            grouped(before),
            grouped(at),
            grouped(at)
        ),
        Some(Crossover::GpuAlwaysFaster) => "The GPU was faster than the CPU at every batch size measured.".into(),
        Some(Crossover::Never { best_ratio, best_b }) => format!(
            "On this machine the GPU does not overtake the CPU at any batch size up to {}: its best is {:.2}× the CPU's throughput, at b = {}.",
            grouped(sweep.points.last().map(|p| p.x).unwrap_or(0)),
            best_ratio,
            grouped(best_b)
        ),
        None => "Run the sweep on both devices to see where the GPU overtakes the CPU.".into(),
    }
}

fn sweep_chart(sweep: &SweepReport, devices: &[DeviceKind]) -> String {
    let mut series = Vec::new();
    match sweep.params.kind {
        SweepKind::N => {
            for &d in devices {
                let pts = series_ms(sweep, d);
                if let Some(fit) = linear_fit(&pts) {
                    let (lo, hi) = (
                        pts.first().map(|p| p.0).unwrap_or(1.0),
                        pts.last().map(|p| p.0).unwrap_or(1.0),
                    );
                    let line = (0..=40)
                        .map(|i| lo * (hi / lo).powf(i as f64 / 40.0))
                        .map(|x| (x, fit.at(x)))
                        .filter(|p| p.1 > 0.0)
                        .collect();
                    series.push(Series {
                        name: format!("{} fit", d.label()),
                        colour: device_style::colour(d),
                        points: line,
                        dashed: true,
                    });
                }
                series.push(Series {
                    name: format!("{} measured", d.label()),
                    colour: device_style::colour(d),
                    points: pts,
                    dashed: false,
                });
            }
            LineChart {
                title: "Time per pass against the number of items".into(),
                x: Axis {
                    label: "n (items)".into(),
                    log: true,
                },
                y: Axis {
                    label: "time per pass (ms)".into(),
                    log: true,
                },
                series,
            }
            .to_svg()
        }
        SweepKind::Batch | SweepKind::LoopStyle => {
            for &d in devices {
                series.push(Series {
                    name: d.label().to_string(),
                    colour: device_style::colour(d),
                    points: series_rate(sweep, d),
                    dashed: false,
                });
            }
            LineChart {
                title: "Throughput against the batch size".into(),
                x: Axis {
                    label: "b (batch size)".into(),
                    log: true,
                },
                y: Axis {
                    label: "items per second".into(),
                    log: true,
                },
                series,
            }
            .to_svg()
        }
    }
}
