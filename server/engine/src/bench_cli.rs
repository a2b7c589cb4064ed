//! `inference-lab bench ...`: the CLI front end (args + human/JSON output).

use std::fmt::Write as _;

use clap::Args;

use crate::engine::{Engine, EngineConfig};
use crate::error::EngineError;
use crate::limits::fmt_flops;
use crate::model::Preset;
use crate::params::{DeviceChoice, Kernel, RunParams};
use crate::report::{DeviceResult, RunReport};

/// Arguments of `bench`. Defaults match [`RunParams::default`].
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Which backend(s) to run.
    #[arg(long, value_enum, default_value = "both")]
    pub device: DeviceChoice,
    /// Model preset: tiny (64-128-10), medium (784-1024-1024-10), large (1024-4096-4096-1024).
    #[arg(long, value_parser = parse_preset, default_value = "medium")]
    pub model: Preset,
    /// Items to run through the model per pass.
    #[arg(long, default_value_t = 4096)]
    pub n: usize,
    /// Items per batch (the last batch may be partial).
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Timed passes over all n items.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Untimed passes first.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// CPU threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// GPU kernel.
    #[arg(long, value_enum, default_value = "tiled")]
    pub kernel: Kernel,
    /// Overrides LAB_VISIBLE_DEVICES for this run (CUDA_VISIBLE_DEVICES syntax).
    #[arg(long)]
    pub visible_devices: Option<String>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn parse_preset(s: &str) -> Result<Preset, String> {
    s.parse::<Preset>().map_err(|e| e.to_string())
}

impl BenchArgs {
    pub fn to_params(&self) -> RunParams {
        RunParams {
            model: self.model,
            n: self.n,
            batch: self.batch,
            device: self.device,
            cpu_threads: self.threads,
            repeats: self.repeats,
            warmup: self.warmup,
            kernel: self.kernel,
            visible_devices: self.visible_devices.clone(),
        }
    }
}

/// Runs the benchmark and returns the text to print. The server-wide
/// visibility comes from the `LAB_VISIBLE_DEVICES` environment variable.
pub fn run_bench_cli(args: BenchArgs) -> Result<String, EngineError> {
    let engine = Engine::new(EngineConfig {
        visible_devices: std::env::var("LAB_VISIBLE_DEVICES").ok(),
        ..Default::default()
    });
    let report = engine.run(&args.to_params())?;
    if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| EngineError::Internal(e.to_string()))
    } else {
        Ok(format_report(&report))
    }
}

/// Human-readable rendering of a report.
pub fn format_report(r: &RunReport) -> String {
    let mut s = String::new();
    let widths: Vec<String> = r.model.widths.iter().map(|w| w.to_string()).collect();
    let _ = writeln!(
        s,
        "model {} ({}; {:.2} M parameters; {}/item)",
        r.model.preset.name(),
        widths.join("-"),
        r.model.parameters as f64 / 1e6,
        fmt_flops(r.model.flops_per_item)
    );
    let _ = writeln!(
        s,
        "n = {} items in {} batches of {} (last batch {}); {} warm-up + {} timed passes",
        r.n, r.batches, r.batch, r.last_batch, r.params.warmup, r.params.repeats
    );
    for d in &r.results {
        let _ = writeln!(s);
        format_device(&mut s, d);
    }
    if let Some(a) = &r.agreement {
        let _ = writeln!(s);
        let scope = if a.all_items {
            format!("all {} items", a.items_compared)
        } else {
            format!("first {} of {} items", a.items_compared, r.n)
        };
        let _ = writeln!(
            s,
            "agreement ({scope}): max |GPU - CPU| = {:.2e} (outputs up to {:.2}), same argmax {:.2}% -> {}",
            a.max_abs_error,
            a.max_abs_output,
            a.argmax_agreement * 100.0,
            if a.matches { "outputs match" } else { "OUTPUTS DIFFER" }
        );
    }
    for note in &r.notes {
        let _ = writeln!(s, "note: {note}");
    }
    s
}

fn opt_ms(label: &str, v: Option<f64>) -> String {
    match v {
        Some(ms) => format!("{label} {ms:.1}"),
        None => format!("{label} cached"),
    }
}

fn format_device(s: &mut String, d: &DeviceResult) {
    match (&d.backend, d.visible_index) {
        (Some(backend), vis) => {
            let idx = vis.map(|v| format!("GPU {v}")).unwrap_or_else(|| "GPU".into());
            let _ = writeln!(s, "{idx}: {} [{backend}] - {}", d.name, d.label);
        }
        _ => {
            let _ = writeln!(s, "{} - {}", d.name, d.label);
        }
    }
    if let Some(k) = d.kernel {
        let _ = writeln!(s, "  kernel       {}", k.name());
    }
    let c = &d.cold_start;
    let _ = writeln!(
        s,
        "  cold start   {:.1} ms ({}, {}, {}, buffers {:.1}, first batch {:.1})",
        c.total_ms,
        opt_ms("device", c.device_ms),
        opt_ms("compile", c.pipeline_ms),
        opt_ms("weights", c.weights_ms),
        c.buffers_ms,
        c.first_batch_ms
    );
    let w = &d.wall;
    let _ = writeln!(
        s,
        "  per pass     {:.2} ms median [p10 {:.2} - p90 {:.2}], min {:.2}, max {:.2} ({} repeats)",
        w.median_ms, w.p10_ms, w.p90_ms, w.min_ms, w.max_ms, w.samples
    );
    let total = w.median_ms.max(1e-12);
    let p = &d.phases;
    let pct = |v: f64| 100.0 * v / total;
    let _ = writeln!(
        s,
        "  phases       upload {:.2} ms ({:.0}%) | compute {:.2} ms ({:.0}%) | readback {:.2} ms ({:.0}%)",
        p.upload.median_ms,
        pct(p.upload.median_ms),
        p.compute.median_ms,
        pct(p.compute.median_ms),
        p.readback.median_ms,
        pct(p.readback.median_ms)
    );
    if let Some(k) = &p.kernel {
        let _ = writeln!(
            s,
            "  kernel time  {:.2} ms by GPU timestamps ({:.1} GFLOP/s inside the kernels)",
            k.median_ms,
            d.kernel_gflops.unwrap_or(0.0)
        );
    }
    let _ = writeln!(s, "  throughput   {:.0} items/s, {:.1} GFLOP/s", d.items_per_s, d.gflops);
    let _ = writeln!(s, "  timing       {}", d.timing_method);
}
