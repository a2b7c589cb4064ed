//! The GPU loop styles side by side: the same n and b once per style, and the
//! fixed cost per batch that each style pays on top of the kernels.

use leptos::prelude::*;

use super::chart::{Bar, BarChart};
use super::describe::{grouped, ms, si};
use super::device_style;
use super::results::AdapterLabels;
use lab_types::{DeviceKind, LoopStyle, Summary, SweepReport};

/// One style's GPU numbers, per pass and per batch (from the medians).
#[derive(Debug, Clone, PartialEq)]
pub struct LoopRow {
    pub style: LoopStyle,
    /// Wall time of one pass over all n items.
    pub wall: Summary,
    pub batches: usize,
    pub wall_per_batch_ms: f64,
    /// From GPU timestamps; `None` where the adapter has none.
    pub kernel_per_batch_ms: Option<f64>,
    /// (wall − kernel time) / batches: submits, waits, copies, driver work.
    pub fixed_per_batch_ms: Option<f64>,
    pub items_per_s: f64,
    /// Whether the GPU's outputs matched the CPU's (`None`: GPU only).
    pub agrees: Option<bool>,
    /// How the run was timed, in the engine's words.
    pub timing_method: String,
}

/// The GPU result of every point, in the order measured.
pub fn loop_rows(sweep: &SweepReport) -> Vec<LoopRow> {
    sweep
        .points
        .iter()
        .filter_map(|p| {
            let gpu = p.run.result(DeviceKind::Gpu)?;
            let batches = p.run.batches.max(1) as f64;
            let kernel = gpu.phases.kernel.map(|k| k.median_ms);
            Some(LoopRow {
                style: p.run.params.loop_style,
                wall: gpu.wall,
                batches: p.run.batches,
                wall_per_batch_ms: gpu.wall.median_ms / batches,
                kernel_per_batch_ms: kernel.map(|k| k / batches),
                fixed_per_batch_ms: kernel.map(|k| (gpu.wall.median_ms - k) / batches),
                items_per_s: gpu.items_per_s,
                agrees: p.run.agreement.as_ref().map(|a| a.matches),
                timing_method: gpu.timing_method.clone(),
            })
        })
        .collect()
}

/// What `style` saved per batch against three round trips, and what round
/// trips cost per batch: the fixed cost where timestamps separate it from the
/// kernels, else the whole wall time per batch.
fn saving(rows: &[LoopRow], style: LoopStyle) -> Option<(f64, f64)> {
    let find = |s: LoopStyle| rows.iter().find(|r| r.style == s);
    let (base, other) = (find(LoopStyle::RoundTrips)?, find(style)?);
    match (base.fixed_per_batch_ms, other.fixed_per_batch_ms) {
        (Some(b), Some(o)) => Some((b - o, b)),
        _ => Some((
            base.wall_per_batch_ms - other.wall_per_batch_ms,
            base.wall_per_batch_ms,
        )),
    }
}

/// "saved X per batch of" / "cost X more per batch than", followed by the base.
fn saved_words(what: &str, saved_ms: f64, of: bool) -> String {
    match (saved_ms >= 0.0, of) {
        (true, true) => format!("{what} saved {} per batch of", ms(saved_ms)),
        (true, false) => format!("{what} saved {} per batch", ms(saved_ms)),
        (false, true) => format!("{what} cost {} more per batch than", ms(-saved_ms)),
        (false, false) => format!("{what} cost {} more per batch", ms(-saved_ms)),
    }
}

/// The result in one line: "One submit saved X µs per batch of the Y µs …".
pub fn reading(rows: &[LoopRow]) -> String {
    let Some((one, base)) = saving(rows, LoopStyle::OneSubmit) else {
        return "Run all three loop styles on the GPU to compare them.".into();
    };
    let timestamps = rows.iter().all(|r| r.fixed_per_batch_ms.is_some());
    let mut line = if timestamps {
        format!(
            "{} the {} fixed cost (wall time minus kernel time) that three round trips paid per batch",
            saved_words("One submit", one, true),
            ms(base)
        )
    } else {
        format!(
            "{} the {} wall time that three round trips took per batch (this adapter has no GPU timestamps, so the kernel time cannot be taken out)",
            saved_words("One submit", one, true),
            ms(base)
        )
    };
    if let Some((piped, _)) = saving(rows, LoopStyle::Pipelined) {
        line.push_str(&format!("; {}", saved_words("pipelining", piped, false)));
    }
    line.push('.');
    line
}

fn chart(rows: &[LoopRow]) -> String {
    let bars = rows
        .iter()
        .map(|r| Bar {
            label: r.style.label().to_string(),
            segments: match (r.kernel_per_batch_ms, r.fixed_per_batch_ms) {
                (Some(k), Some(f)) => vec![
                    (
                        "kernels".to_string(),
                        device_style::colour(DeviceKind::Gpu),
                        k * 1e3,
                    ),
                    ("fixed cost".to_string(), "var(--accent)", f * 1e3),
                ],
                _ => vec![(
                    "wall time".to_string(),
                    device_style::colour(DeviceKind::Gpu),
                    r.wall_per_batch_ms * 1e3,
                )],
            },
        })
        .collect();
    BarChart {
        title: "Time per batch by GPU loop style".into(),
        unit: "microseconds per batch".into(),
        bars,
    }
    .to_svg()
}

fn agreement(a: Option<bool>) -> &'static str {
    match a {
        Some(true) => "agree",
        Some(false) => "differ",
        None => "not compared (GPU only)",
    }
}

/// The comparison: who ran it, the reading, a chart and its table.
#[component]
pub fn LoopStyleResult(sweep: SweepReport) -> impl IntoView {
    let results = sweep
        .points
        .first()
        .map(|p| p.run.results.clone())
        .unwrap_or_default();
    let software = results
        .iter()
        .any(|r| r.device == DeviceKind::Gpu && r.software);
    let rows = loop_rows(&sweep);
    let line = reading(&rows);
    let svg = chart(&rows);
    let caption = format!(
        "The GPU at n = {}, b = {} ({} batches), once per loop style: median of {} timed passes, 10th–90th percentile in brackets; per batch from the medians",
        grouped(sweep.params.n),
        grouped(sweep.params.batch),
        grouped(rows.first().map_or(0, |r| r.batches)),
        sweep.params.repeats
    );
    let methods: Vec<String> = rows
        .iter()
        .map(|r| format!("{}: {}", r.style.label(), r.timing_method))
        .collect();
    view! {
        <AdapterLabels results/>
        <p class="sweep-duration">{format!("The three runs took {:.1} s of measurement.", sweep.elapsed_ms / 1e3)}</p>
        <p class="loop-reading">{line}</p>
        {software.then(|| view! {
            <p class="loop-note">"This GPU is software emulation on the CPU: a submit or a wait costs CPU time here, not a trip to a separate device, so a real GPU's fixed costs differ."</p>
        })}
        <figure class="chart-figure">
            <div class="chart-box" tabindex="0" inner_html=svg></div>
            <figcaption>"Time per batch: the kernels, and the fixed cost each loop style adds around them (the table below has the numbers)."</figcaption>
        </figure>
        <div class="table-scroll" tabindex="0">
            <table class="results loop-styles">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Loop style"</th>
                        <th scope="col">"Wall time per pass"</th>
                        <th scope="col">"Wall time per batch"</th>
                        <th scope="col">"Kernel time per batch (timestamps)"</th>
                        <th scope="col">"Fixed cost per batch"</th>
                        <th scope="col">"Items/s"</th>
                        <th scope="col">"Outputs vs CPU"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.iter().map(|r| view! {
                        <tr data-loop-style=r.style.name()>
                            <th scope="row">{r.style.label()}</th>
                            <td>{format!("{} ({}–{})", ms(r.wall.median_ms), ms(r.wall.p10_ms), ms(r.wall.p90_ms))}</td>
                            <td>{ms(r.wall_per_batch_ms)}</td>
                            <td>{r.kernel_per_batch_ms.map(ms).unwrap_or_else(|| "not available".into())}</td>
                            <td>{r.fixed_per_batch_ms.map(ms).unwrap_or_else(|| "not available".into())}</td>
                            <td>{si(r.items_per_s)}</td>
                            <td>{agreement(r.agrees)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <details class="notes">
            <summary>"How this was measured"</summary>
            <ul>
                {methods.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                <li>"Fixed cost per batch = (median wall time − median kernel time) / batches: what each batch pays besides the kernels themselves (submits, waits, copies, driver work)."</li>
            </ul>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(style: LoopStyle, wall: f64, kernel: Option<f64>) -> LoopRow {
        LoopRow {
            style,
            wall: Summary::default(),
            batches: 1,
            wall_per_batch_ms: wall,
            kernel_per_batch_ms: kernel,
            fixed_per_batch_ms: kernel.map(|k| wall - k),
            items_per_s: 1.0,
            agrees: None,
            timing_method: String::new(),
        }
    }

    #[test]
    fn the_reading_names_the_fixed_cost_saved() {
        let rows = [
            row(LoopStyle::RoundTrips, 1.0, Some(0.4)),
            row(LoopStyle::OneSubmit, 0.6, Some(0.4)),
            row(LoopStyle::Pipelined, 0.8, Some(0.4)),
        ];
        assert_eq!(
            reading(&rows),
            "One submit saved 400.0 µs per batch of the 600.0 µs fixed cost (wall time minus kernel time) that three round trips paid per batch; pipelining saved 200.0 µs per batch."
        );
    }

    #[test]
    fn without_timestamps_the_reading_uses_wall_time_and_says_why() {
        let rows = [
            row(LoopStyle::RoundTrips, 1.0, None),
            row(LoopStyle::OneSubmit, 1.5, None),
        ];
        let line = reading(&rows);
        assert!(
            line.starts_with("One submit cost 500.0 µs more per batch than the 1.00 ms wall time")
        );
        assert!(line.contains("no GPU timestamps"));
        assert!(reading(&[]).contains("Run all three"));
    }
}
