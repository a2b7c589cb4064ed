//! `gflops -- --configs`: every kernel configuration's kernel-only GFLOP/s
//! per preset and batch size, beside the shape rule's and autotune's picks,
//! then the table autotune chose per layer shape. A forced configuration
//! runs every layer it can (GEMV only b ≤ 8, 128×128 only K, N ≡ 0 mod 4);
//! the shape rule runs the rest, and a cell where the forced configuration
//! ran no layer at all prints "n/a". Times come from GPU timestamps over
//! the whole forward pass (one submit per pass), median of the timed passes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lab_engine::gpu::autotune::{self, Tuned};
use lab_engine::gpu::kernels::Config;
use lab_engine::gpu::pipeline::KernelSet;
use lab_engine::gpu::{GpuContext, GpuModel};
use lab_engine::{fill_inputs, Kernel, Mlp, ModelSpec, Preset};

use crate::Args;

/// One forward pass's kernel time above this skips the cell's timed passes
/// (the warm-up's time is printed, marked "~"): lavapipe is slow.
const SLOW_PASS: Duration = Duration::from_secs(3);

pub fn run(args: &Args) {
    let presets = args
        .presets
        .clone()
        .unwrap_or(vec![Preset::Medium, Preset::Large]);
    let batches = args.batches.clone().unwrap_or(vec![1, 8, 64, 256]);
    let instance = lab_engine::devices::new_instance();
    let adapters = lab_engine::devices::enumerate(&instance);
    let Some(adapter) = adapters.first() else {
        println!("# no GPU adapter visible");
        return;
    };
    let mut ctx = match GpuContext::new(adapter, Duration::from_secs(120)) {
        Ok(c) => c,
        Err(e) => return println!("# could not open the GPU: {e}"),
    };
    if !ctx.timestamps {
        println!(
            "# {}: no timestamp queries, so no kernel times and no autotune",
            ctx.info.name
        );
        return;
    }
    let started = Instant::now();
    println!(
        "# kernel-only GFLOP/s per configuration on {} ({:?}); median of {} timed passes after 1 warm-up",
        ctx.info.name, ctx.info.device_type, args.config_repeats
    );
    // The FMA probe in the same process, before and after the tables: on a
    // shared (software) adapter the load drifts, and a kernel is judged by its
    // share of what the adapter reached at the time, not by an absolute figure.
    let probe_before = fma_probe(&ctx);
    if let Some(p) = probe_before {
        println!("# FMA probe before: {p:.1} GFLOP/s (cells show % of it in parentheses)");
    }
    println!(
        "# autotune budget {} ms per shape class, {} timed dispatches per candidate",
        autotune::BUDGET_PER_SHAPE.as_millis(),
        autotune::TIMED_DISPATCHES
    );
    let c = &mut ctx;
    let (rule, _) = c
        .pipelines
        .get(&c.device, &c.limits, Kernel::Tiled)
        .expect("compile the tiled kernels");
    let mut rows: Vec<(String, Arc<KernelSet>, Option<Config>)> = Vec::new();
    for config in Config::ALL {
        match c.pipelines.forced(&c.device, &c.limits, config) {
            Ok(set) => rows.push((config.name(), set, Some(config))),
            Err(e) => println!("# {} skipped: {e}", config.name()),
        }
    }
    for &preset in &presets {
        let spec = ModelSpec::of(preset);
        let widths: Vec<String> = spec.widths.iter().map(|w| w.to_string()).collect();
        println!();
        println!("## {} ({})", preset.name(), widths.join("-"));
        let mlp = Arc::new(Mlp::new(spec.clone(), 1));
        let mut model = GpuModel::upload(&ctx, &mlp).expect("upload");
        let max = batches.iter().copied().max().unwrap_or(1);
        model.ensure_capacity(&ctx, max, 1).expect("buffers");
        let mut table: Vec<Vec<String>> = vec![Vec::new(); rows.len() + 3];
        for &b in &batches {
            let mut x = vec![0.0; b * spec.input_width()];
            fill_inputs(3, 0, b, spec.input_width(), &mut x);
            let cell = |set: &KernelSet, model: &mut GpuModel| {
                gflops(
                    &ctx,
                    set,
                    model,
                    &x,
                    b,
                    spec.flops_per_item(),
                    Cell {
                        repeats: args.config_repeats,
                        probe: probe_before,
                    },
                )
            };
            for (i, (_, set, config)) in rows.iter().enumerate() {
                let runs_any = model
                    .layer_shapes()
                    .iter()
                    .any(|&(k, n)| config.is_none_or(|c| set.for_layer(b as u32, k, n).0 == c));
                table[i].push(if runs_any {
                    cell(set, &mut model)
                } else {
                    "n/a".into()
                });
            }
            // The rule's pick, then autotune's after measuring this bucket.
            table[rows.len()].push(cell(&rule, &mut model));
            let tuned = autotune::tune(&ctx, &rule, &mut model, b);
            table[rows.len() + 2].push(match &tuned {
                Ok((_, ms)) => format!("{ms:.0}"),
                Err(_) => "-".into(),
            });
            table[rows.len() + 1].push(match tuned {
                Ok(_) => cell(&rule, &mut model),
                Err(e) => format!("error: {e}"),
            });
        }
        print!("| configuration |");
        for b in &batches {
            print!(" b = {b} |");
        }
        println!();
        println!("|---|{}", "---:|".repeat(batches.len()));
        let names = rows
            .iter()
            .map(|(n, _, _)| n.clone())
            .chain(["shape rule".into(), "autotune".into()])
            .chain(["autotune's measuring time (ms)".into()]);
        for (name, cells) in names.zip(&table) {
            println!("| {name} | {} |", cells.join(" | "));
        }
    }
    println!();
    println!("## autotune's choices (kernel µs per dispatch of each candidate timed)");
    println!("| shape class | timed at m | chosen | candidates |");
    println!("|---|---:|---|---|");
    for t in rule.autotune.entries() {
        println!("{}", choice_row(&t));
    }
    println!();
    if let Some(p) = fma_probe(&ctx) {
        println!("# FMA probe after: {p:.1} GFLOP/s");
    }
    println!("# total: {:.0} s", started.elapsed().as_secs_f64());
}

/// The FMA probe's GFLOP/s on this device (`None` if it failed).
fn fma_probe(ctx: &GpuContext) -> Option<f64> {
    lab_engine::gpu::fma_probe::measure_fma_peak(ctx)
        .map_err(|e| println!("# FMA probe failed: {e}"))
        .ok()
        .map(|p| p.gflops)
}

/// How a cell is measured: timed passes, and the FMA probe's GFLOP/s to
/// give each figure as a share of.
#[derive(Clone, Copy)]
struct Cell {
    repeats: usize,
    probe: Option<f64>,
}

/// Median kernel-only GFLOP/s of `b` items through `set`, as table text.
fn gflops(
    ctx: &GpuContext,
    set: &KernelSet,
    model: &mut GpuModel,
    x: &[f32],
    b: usize,
    flops_per_item: f64,
    cell: Cell,
) -> String {
    let Cell { repeats, probe } = cell;
    let mut out = vec![0.0; b * model.out_width()];
    let mut pass = || -> Result<f64, String> {
        let t = model
            .run_one_submit(ctx, set, x, b, &mut out)
            .map_err(|e| e.to_string())?;
        t.kernel_ns.ok_or_else(|| "no timestamps".to_string())
    };
    let warm = match pass() {
        Ok(ns) => ns,
        Err(e) => return format!("error: {e}"),
    };
    let rate = |ns: f64| {
        let g = flops_per_item * b as f64 / ns;
        match probe {
            Some(p) => format!("{g:.1} ({:.0} %)", g / p * 100.0),
            None => format!("{g:.1}"),
        }
    };
    if warm > SLOW_PASS.as_nanos() as f64 {
        return format!("~{}", rate(warm));
    }
    let mut times: Vec<f64> = (0..repeats.max(1)).filter_map(|_| pass().ok()).collect();
    if times.is_empty() {
        return "error".into();
    }
    times.sort_by(f64::total_cmp);
    rate(times[times.len() / 2])
}

fn choice_row(t: &Tuned) -> String {
    let timed: Vec<String> = t
        .timings
        .iter()
        .map(|(c, ns)| format!("{} {:.0}", c.name(), ns / 1e3))
        .collect();
    let note = t
        .note
        .as_deref()
        .map_or(String::new(), |n| format!(" ({n})"));
    format!(
        "| {} | {} | {} | {}{note} |",
        t.shape,
        t.m,
        t.config.name(),
        timed.join(", ")
    )
}
