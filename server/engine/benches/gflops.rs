//! GFLOP/s table: CPU (1 thread, one per physical core), the tiled GPU kernel
//! in each loop style (round trips, one submit, pipelined) and the naive one,
//! for every preset at batch sizes 1, 8, 64, 256, 1024; then the tiled
//! kernel's time inside the kernels, its % of the adapter's fp32 peak (from
//! `lab_engine::peak`, "peak unknown" otherwise) and each loop style's fixed
//! cost per batch (wall time minus kernel time, per batch).
//!
//! `cargo bench -p lab-engine --bench gflops` (add `-- --json` for JSON lines).
//! `-- --configs` prints instead, per kernel configuration forced on every
//! layer it can run, the kernel-only GFLOP/s (GPU timestamps) of medium and
//! large at b = 1, 8, 64, 256, beside the shape rule's and autotune's picks,
//! and the table autotune chose per layer shape (see `configs.rs`).
//! Not a test: it asserts nothing. Work per measurement is capped so the
//! whole table takes about ten minutes on a 2-core machine with lavapipe;
//! capped cells print "-". On a real GPU the default work is over in well
//! under a millisecond, so `--gpu-scale 100` (and `--cpu-scale` for a big
//! CPU) multiplies the work per cell and the engine's FLOP budgets with it.

use std::time::Instant;

use clap::Parser;

#[path = "gflops/configs.rs"]
mod configs;
use lab_engine::{
    limits::Limits, peak, DeviceChoice, Engine, EngineConfig, Kernel, LoopStyle, ModelSpec, Preset,
    RunParams,
};

#[derive(Parser)]
#[command(about = "GFLOP/s table for every preset, CPU and GPU")]
struct Args {
    /// Also print one JSON line per cell on stderr.
    #[arg(long)]
    json: bool,
    /// Multiplies the work per GPU cell (and the GPU FLOP budgets).
    #[arg(long, default_value_t = 1.0)]
    gpu_scale: f64,
    /// Multiplies the work per CPU cell (and the CPU FLOP budget).
    #[arg(long, default_value_t = 1.0)]
    cpu_scale: f64,
    /// Batch sizes, comma separated.
    #[arg(long, value_delimiter = ',')]
    batches: Option<Vec<usize>>,
    /// Presets, comma separated.
    #[arg(long, value_delimiter = ',')]
    presets: Option<Vec<Preset>>,
    /// Leave out the CPU columns (e.g. when another tool measures the CPU).
    #[arg(long)]
    no_cpu: bool,
    /// Leave out the GPU columns.
    #[arg(long)]
    no_gpu: bool,
    /// Print the per-configuration kernel table and autotune's choices
    /// instead (presets default to medium,large and batches to 1,8,64,256).
    #[arg(long)]
    configs: bool,
    /// Timed passes per cell of the `--configs` table (after one warm-up).
    #[arg(long, default_value_t = 3)]
    config_repeats: usize,
    /// `cargo bench` passes `--bench`; accepted and ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

#[derive(Clone, Copy)]
struct Column {
    name: &'static str,
    device: DeviceChoice,
    threads: usize,
    kernel: Kernel,
    loop_style: LoopStyle,
    /// FLOPs one timed pass aims for, and the most one pass may take.
    target_flops: f64,
    max_flops: f64,
}

fn main() {
    let args = Args::parse();
    if args.configs {
        return configs::run(&args);
    }
    let batches = args.batches.clone().unwrap_or(vec![1, 8, 64, 256, 1024]);
    let presets =
        (args.presets.clone()).unwrap_or(vec![Preset::Tiny, Preset::Medium, Preset::Large]);
    let defaults = Limits::default();
    let max_batch = batches
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .max(defaults.max_batch);
    let widest = presets
        .iter()
        .map(|&p| ModelSpec::of(p).max_width())
        .max()
        .unwrap_or(1);
    // Budgets grow with the work asked for; the batch-count limits stay, since
    // they bound the per-batch round trips that dominate small batches.
    let engine = Engine::new(EngineConfig {
        limits: Limits {
            max_n: (defaults.max_n as f64 * args.gpu_scale.max(args.cpu_scale).max(1.0)) as usize,
            max_batch,
            max_activation_bytes: defaults
                .max_activation_bytes
                .max(max_batch as u64 * widest as u64 * 4),
            max_cpu_flops: defaults.max_cpu_flops * args.cpu_scale.max(1.0),
            max_gpu_flops: defaults.max_gpu_flops * args.gpu_scale.max(1.0),
            max_gpu_naive_flops: defaults.max_gpu_naive_flops * args.gpu_scale.max(1.0),
            ..defaults
        },
        ..Default::default()
    });
    let limits = engine.limits().clone();
    let threads = lab_engine::limits::available_threads();
    let adapter = engine.devices(None).visible().next().cloned();
    let gpu = adapter
        .as_ref()
        .map(|a| format!("{} ({:?})", a.name, a.label));
    let known_peak = adapter.as_ref().and_then(|a| peak::fp32_peak(&a.name));
    // Not in the table: measure what an FMA-only kernel reaches instead.
    let measured_peak = match (&adapter, known_peak, args.no_gpu) {
        (Some(a), None, false) => measure_peak(a.physical_index),
        _ => None,
    };
    let peak_gflops = known_peak
        .map(|p| p.tflops * 1e3)
        .or(measured_peak.map(|m| m.gflops));
    let (c, g) = (args.cpu_scale, args.gpu_scale);
    let mut columns = Vec::new();
    if !args.no_cpu {
        columns.push(Column {
            name: "CPU 1 thread",
            device: DeviceChoice::Cpu,
            threads: 1,
            kernel: Kernel::Tiled,
            loop_style: LoopStyle::RoundTrips,
            target_flops: 4e9 * c,
            max_flops: 20e9 * c,
        });
        columns.push(Column {
            name: "CPU physical cores",
            device: DeviceChoice::Cpu,
            threads: 0,
            kernel: Kernel::Tiled,
            loop_style: LoopStyle::RoundTrips,
            target_flops: 4e9 * c,
            max_flops: 20e9 * c,
        });
    }
    if gpu.is_some() && !args.no_gpu {
        for (name, loop_style) in [
            ("GPU tiled", LoopStyle::RoundTrips),
            ("GPU tiled one-submit", LoopStyle::OneSubmit),
            ("GPU tiled pipelined", LoopStyle::Pipelined),
        ] {
            columns.push(Column {
                name,
                device: DeviceChoice::Gpu,
                threads: 0,
                kernel: Kernel::Tiled,
                loop_style,
                target_flops: 2e9 * g,
                max_flops: 14e9 * g,
            });
        }
        columns.push(Column {
            name: "GPU naive",
            device: DeviceChoice::Gpu,
            threads: 0,
            kernel: Kernel::Naive,
            loop_style: LoopStyle::RoundTrips,
            target_flops: 0.5e9 * g,
            max_flops: 4e9 * g,
        });
    }
    println!("# lab-engine GFLOP/s (median of 3 timed passes after 1 warm-up; upload+compute+readback for the GPU)");
    println!(
        "# CPU threads available: {threads}; GPU: {}; work scale CPU {c}x, GPU {g}x",
        gpu.as_deref().unwrap_or("none visible")
    );
    match (&adapter, known_peak) {
        (Some(a), Some(p)) => println!(
            "# fp32 peak of {}: {} TFLOP/s ({}), from lab_engine::peak's table",
            a.name, p.tflops, p.basis
        ),
        (Some(a), None) => match &measured_peak {
            Some(m) => println!(
                "# fp32 peak of {}: not in lab_engine::peak's table; % below is of the measured FMA \
                 peak, {:.1} GFLOP/s (fma_peak.wgsl, timed by {})",
                a.name,
                m.gflops,
                if m.by_timestamps { "GPU timestamps" } else { "the host clock" }
            ),
            None => println!(
                "# fp32 peak of {}: unknown (not in lab_engine::peak's table, FMA probe failed)",
                a.name
            ),
        },
        (None, _) => {}
    }
    println!("# fixed µs/batch = (median wall − median kernel time) / batches, per loop style");
    let started = Instant::now();
    for &preset in &presets {
        let spec = ModelSpec::of(preset);
        let fpi = spec.flops_per_item();
        println!();
        let widths: Vec<String> = spec.widths.iter().map(|w| w.to_string()).collect();
        println!("## {} ({})", preset.name(), widths.join("-"));
        print!("| batch |");
        for c in &columns {
            print!(" {} |", c.name);
        }
        let gpu_cols = columns.iter().any(|c| c.device == DeviceChoice::Gpu);
        let extra = if gpu_cols {
            " GPU tiled kernel-only | % of fp32 peak | fixed µs/batch (round trips / one submit / pipelined) |"
        } else {
            ""
        };
        println!("{extra}");
        print!("|---:|");
        for _ in 0..columns.len() + if gpu_cols { 3 } else { 0 } {
            print!("---:|");
        }
        println!();
        for &batch in &batches {
            print!("| {batch} |");
            let mut kernel_only = None;
            let mut fixed_us: Vec<String> = Vec::new();
            for c in &columns {
                // n: enough items to reach the target work, a multiple of the batch.
                let items = ((c.target_flops / fpi).ceil() as usize).max(batch);
                // Stay inside the engine's per-request batch-count limit (4 passes).
                let max_batches = match c.device {
                    DeviceChoice::Gpu => limits.max_gpu_batches,
                    _ => limits.max_cpu_batches,
                } as usize
                    / 4;
                let n = items.div_ceil(batch).min(max_batches) * batch;
                if n as f64 * fpi > c.max_flops {
                    print!(" - |");
                    continue;
                }
                let p = RunParams {
                    model: preset,
                    n,
                    batch,
                    device: c.device,
                    cpu_threads: c.threads,
                    repeats: 3,
                    warmup: 1,
                    kernel: c.kernel,
                    visible_devices: None,
                    loop_style: c.loop_style,
                };
                match engine.run(&p) {
                    Ok(r) => {
                        let d = &r.results[0];
                        print!(" {:.1} |", d.gflops);
                        if c.device == DeviceChoice::Gpu && c.kernel == Kernel::Tiled {
                            kernel_only = kernel_only.or(d.kernel_gflops);
                            let fixed =
                                d.phases.kernel.as_ref().map(|k| {
                                    (d.wall.median_ms - k.median_ms) * 1e3 / r.batches as f64
                                });
                            fixed_us.push(fixed.map_or("-".into(), |f| format!("{f:.0}")));
                        }
                        if args.json {
                            eprintln!(
                                "{}",
                                serde_json::json!({"preset": preset.name(), "batch": batch, "column": c.name,
                                    "n": n, "gflops": d.gflops, "kernel_gflops": d.kernel_gflops,
                                    "median_ms": d.wall.median_ms, "loop_style": c.loop_style.name(),
                                    "kernel_median_ms": d.phases.kernel.as_ref().map(|k| k.median_ms),
                                    "batches": r.batches})
                            );
                        }
                    }
                    Err(e) => print!(" error: {e} |"),
                }
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
            }
            if gpu_cols {
                let pct = match (kernel_only, peak_gflops) {
                    (Some(k), Some(p)) => format!("{:.1} %", k / p * 100.0),
                    (Some(_), None) => "peak unknown".into(),
                    (None, _) => "-".into(),
                };
                let k = kernel_only.map_or("-".into(), |k| format!("{k:.1}"));
                println!(" {k} | {pct} | {} |", fixed_us.join(" / "));
            } else {
                println!();
            }
        }
    }
    println!();
    println!(
        "# total bench time: {:.0} s",
        started.elapsed().as_secs_f64()
    );
}

/// The FMA probe on the adapter at `physical_index` (on a device of its own).
fn measure_peak(physical_index: usize) -> Option<lab_engine::gpu::fma_probe::FmaPeak> {
    let instance = lab_engine::devices::new_instance();
    let adapters = lab_engine::devices::enumerate(&instance);
    let ctx = lab_engine::gpu::GpuContext::new(
        adapters.get(physical_index)?,
        std::time::Duration::from_secs(60),
    )
    .ok()?;
    lab_engine::gpu::fma_probe::measure_fma_peak(&ctx)
        .map_err(|e| eprintln!("FMA probe failed: {e}"))
        .ok()
}
