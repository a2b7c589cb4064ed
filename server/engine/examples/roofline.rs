//! The roofline report (issue 29): each device's measured roofs, then the
//! lab's real runs placed under them: per preset × batch size on each
//! device, the model's arithmetic intensity, the roof that bounds it there,
//! the GFLOP/s a real `Engine::run` reached and its share of that roof.
//!
//! `cargo run --release -p lab-engine --example roofline -- [--presets medium,large]
//! [--batches 1,64,1024] [--repeats N] [--json]`
//!
//! Each cell first runs one batch (n = b, one warm-up, one timed pass) to
//! learn its speed, then n grows in whole batches towards max(b, 1024) while a
//! pass stays under half a second, and the repeats shrink to keep a cell
//! near ten seconds; a cell whose single batch is already that slow (large
//! at b = 1024 on lavapipe) keeps the first run's numbers. So the default
//! report takes a minute or two on a 2-core machine with lavapipe, and runs
//! the full n and repeats on a real GPU.

use std::time::Instant;

use clap::Parser;
use lab_engine::limits::Limits;
use lab_engine::{DeviceChoice, DeviceKind, Engine, EngineConfig, EngineError, Preset, RunParams};
use lab_types::{model_work, DeviceRoofs, Placement, Roof};
use serde::Serialize;

#[derive(Parser)]
#[command(about = "Measured roofs per device, and the lab's runs placed under them")]
struct Args {
    /// Presets, comma separated (default medium,large).
    #[arg(long, value_delimiter = ',')]
    presets: Option<Vec<Preset>>,
    /// Batch sizes, comma separated (default 1,64,1024).
    #[arg(long, value_delimiter = ',')]
    batches: Option<Vec<usize>>,
    /// Timed passes per cell at most (fewer where a pass is slow).
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Print one JSON document (roofs and rows) instead of Markdown.
    #[arg(long)]
    json: bool,
}

/// A cell's pass grows towards this many seconds (in whole batches)...
const TARGET_PASS_S: f64 = 0.5;
/// ...and its passes together towards this many.
const CELL_BUDGET_S: f64 = 10.0;
/// The most items a cell runs: max(b, this).
const MAX_ITEMS: usize = 1024;

/// One preset × batch on one device.
#[derive(Serialize)]
struct Row {
    device: DeviceKind,
    name: String,
    preset: Preset,
    batch: usize,
    n: usize,
    repeats: usize,
    /// "kernel" (GPU timestamps, kernels only) or "wall" (a whole pass).
    timed_by: &'static str,
    placement: Option<Placement>,
    /// The model's least bytes at b fit in the host's last-level cache, so a
    /// memory-bound run may be served from cache, above the memory roof.
    fits_in_cache: bool,
    error: Option<String>,
}

#[derive(Serialize)]
struct Report {
    roofs: Vec<DeviceRoofs>,
    roofs_error: Option<String>,
    rows: Vec<Row>,
    took_s: f64,
}

fn main() {
    let args = Args::parse();
    let started = Instant::now();
    let presets = args
        .presets
        .clone()
        .unwrap_or_else(|| vec![Preset::Medium, Preset::Large]);
    let batches = args.batches.clone().unwrap_or_else(|| vec![1, 64, 1024]);
    // A report, not a request: the server's per-request FLOP and batch
    // budgets would refuse large at b = 1024 on lavapipe, and the cells
    // bound their own time.
    let engine = Engine::new(EngineConfig {
        limits: Limits {
            max_cpu_flops: f64::MAX,
            max_gpu_flops: f64::MAX,
            max_gpu_naive_flops: f64::MAX,
            max_gpu_batches: u64::MAX,
            max_cpu_batches: u64::MAX,
            ..Limits::default()
        },
        ..EngineConfig::default()
    });

    eprintln!("measuring the roofs…");
    let (roofs, roofs_error) = match engine.roofs() {
        Ok(r) => (r, None),
        Err(e) => (
            engine.cached_roofs().unwrap_or_default(),
            Some(e.to_string()),
        ),
    };
    let mut rows = Vec::new();
    for device in &roofs {
        for &preset in &presets {
            for &b in &batches {
                eprintln!("{} {} b = {b}…", device.name, preset.name());
                rows.push(cell(&engine, device, preset, b, args.repeats));
            }
        }
    }
    let report = Report {
        roofs,
        roofs_error,
        rows,
        took_s: started.elapsed().as_secs_f64(),
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("could not write the JSON: {e}"),
        }
    } else {
        print_markdown(&report);
    }
}

/// Runs one cell and places it under `roofs`.
fn cell(engine: &Engine, roofs: &DeviceRoofs, preset: Preset, b: usize, repeats: usize) -> Row {
    let mut row = Row {
        device: roofs.device,
        name: roofs.name.clone(),
        preset,
        batch: b,
        n: 0,
        repeats: 0,
        timed_by: "wall",
        placement: None,
        fits_in_cache: false,
        error: None,
    };
    match run_cell(engine, roofs.device, preset, b, repeats) {
        Ok((n, repeats, gflops, timed_by)) => {
            let work = model_work(preset.widths(), b);
            let intensity = work.intensity();
            row.fits_in_cache = roofs.cache_bytes.is_some_and(|c| work.bytes < c as f64);
            row.n = n;
            row.repeats = repeats;
            row.timed_by = timed_by;
            row.placement = Some(roofs.place(intensity, gflops));
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row
}

/// (n, repeats, GFLOP/s, what timed it) of one cell, sized as the module says.
fn run_cell(
    engine: &Engine,
    device: DeviceKind,
    preset: Preset,
    b: usize,
    max_repeats: usize,
) -> Result<(usize, usize, f64, &'static str), EngineError> {
    let params = |n: usize, repeats: usize| RunParams {
        model: preset,
        n,
        batch: b,
        device: match device {
            DeviceKind::Gpu => DeviceChoice::Gpu,
            DeviceKind::Cpu => DeviceChoice::Cpu,
        },
        repeats,
        warmup: 1,
        ..RunParams::default()
    };
    let first = engine.run(&params(b, 1))?;
    let batch_s = first
        .results
        .first()
        .map(|r| r.wall.median_ms / 1e3)
        .unwrap_or(0.0);
    let max_batches = MAX_ITEMS.div_ceil(b).max(1);
    let batches = if batch_s > 0.0 {
        ((TARGET_PASS_S / batch_s) as usize).clamp(1, max_batches)
    } else {
        max_batches
    };
    let pass_s = batch_s * batches as f64;
    // One pass is the warm-up; the rest are timed.
    let repeats = if pass_s > 0.0 {
        ((CELL_BUDGET_S / pass_s) as usize)
            .saturating_sub(1)
            .clamp(1, max_repeats.max(1))
    } else {
        max_repeats.max(1)
    };
    let report = if batches == 1 && repeats == 1 {
        first
    } else {
        engine.run(&params(b * batches, repeats))?
    };
    let result = report
        .results
        .first()
        .ok_or_else(|| EngineError::Internal("a run without a result".into()))?;
    Ok(match result.kernel_gflops {
        Some(g) => (report.n, repeats, g, "kernel"),
        None => (report.n, repeats, result.gflops, "wall"),
    })
}

/// 3 significant digits or so, without a wall of decimals.
fn num(x: f64) -> String {
    if !x.is_finite() {
        format!("{x}")
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 10.0 {
        format!("{x:.1}")
    } else if x.abs() >= 0.1 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn roof_cell(roof: &Roof) -> String {
    match roof.spread {
        Some(s) => format!("{} ({}–{})", num(roof.value), num(s.p10), num(s.p90)),
        None => format!("{} (datasheet)", num(roof.value)),
    }
}

fn print_markdown(report: &Report) {
    println!("# Roofline: measured roofs, and the lab's runs under them");
    println!();
    println!("## Roofs");
    println!();
    println!("| device | software | memory GB/s median (p10–p90) | compute GFLOP/s median (p10–p90) | ridge FLOP/B | took |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in &report.roofs {
        println!(
            "| {} | {} | {} | {} | {} | {:.1} s |",
            r.name,
            if r.software { "yes" } else { "no" },
            roof_cell(&r.memory),
            roof_cell(&r.compute),
            num(r.ridge()),
            r.took_ms / 1e3
        );
    }
    println!();
    for r in &report.roofs {
        println!("- **{}** memory: {}", r.name, r.memory.method);
        println!("- **{}** compute: {}", r.name, r.compute.method);
    }
    if let Some(e) = &report.roofs_error {
        println!();
        println!("The GPU's roofs could not be measured: {e}");
    }
    println!();
    println!("## Runs under the roofs");
    println!();
    println!(
        "Intensity: the model's FLOPs over its least bytes at batch b \
         (`lab_types::model_work`: weights, inputs and outputs each crossing memory once). \
         Measured: GFLOP/s of a real `Engine::run` (tiled kernel, round trips), from GPU \
         timestamps of the kernels (\"kernel\") where the device has them, else from the \
         wall time of a pass (\"wall\"), median of the timed passes. \"Fits in cache\": \
         those bytes are smaller than the host's last-level cache, so the run may be served \
         from cache and land above the memory roof."
    );
    println!();
    println!("| device | preset | b | n | passes | intensity FLOP/B | bound | roof GFLOP/s | measured GFLOP/s | timed by | % of roof |");
    println!("|---|---|---:|---:|---:|---:|---|---:|---:|---|---:|");
    for row in &report.rows {
        match (&row.placement, &row.error) {
            (Some(p), _) => println!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} %{} |",
                row.name,
                row.preset.name(),
                row.batch,
                row.n,
                row.repeats,
                num(p.intensity),
                p.bound.name(),
                num(p.roof_gflops),
                num(p.gflops),
                row.timed_by,
                p.fraction * 100.0,
                match (p.above_roof(), row.fits_in_cache) {
                    (true, true) => " (above the roof; fits in cache)",
                    (true, false) => " (above the roof)",
                    (false, true) => " (fits in cache)",
                    (false, false) => "",
                }
            ),
            (None, e) => println!(
                "| {} | {} | {} | - | - | - | - | - | - | - | error: {} |",
                row.name,
                row.preset.name(),
                row.batch,
                e.as_deref().unwrap_or("no result")
            ),
        }
    }
    println!();
    println!("Took {:.0} s in all.", report.took_s);
}
