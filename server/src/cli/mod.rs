//! The command line: `inference-lab [serve]`, `inference-lab bench ...` and
//! `inference-lab classes list|prune|delete`.

pub mod classes;
mod report_text;

use clap::{Args, Parser, Subcommand};
use lab_engine::{Engine, EngineConfig, EngineError};
use lab_types::{DeviceChoice, Kernel, LoopStyle, Preset, RunParams};

use crate::settings::Settings;

/// Inference Lab: lessons and live GPU-vs-CPU inference experiments.
#[derive(Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Run a lab worker: claim jobs from the shared PostgreSQL queue and
    /// run them on this host's GPU and CPU, until SIGTERM.
    Worker,
    /// Measure the inference engine from the command line, e.g.
    /// `inference-lab bench --device both --model medium --n 4096 --batch 64`.
    Bench(BenchArgs),
    /// List, prune or delete classes in the database of --database.
    Classes(classes::ClassesArgs),
    /// A sandbox process for learners' kernels (the server starts these itself).
    #[command(hide = true)]
    KernelSandbox(crate::sandbox::SandboxArgs),
}

/// Arguments of `bench`. Defaults match [`RunParams::default`].
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// Which backend(s) to run.
    #[arg(long, value_enum, default_value = "both")]
    pub device: DeviceChoice,
    /// Model preset: tiny (64-128-10), medium (784-1024-1024-10), large (1024-4096-4096-1024).
    #[arg(long, value_enum, default_value = "medium")]
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
    /// How the GPU loop submits each batch: three round trips, one submit,
    /// or pipelined (several batches in flight).
    #[arg(long, value_enum, default_value = "round-trips")]
    pub loop_style: LoopStyle,
    /// Overrides LAB_VISIBLE_DEVICES for this run (CUDA_VISIBLE_DEVICES syntax).
    #[arg(long)]
    pub visible_devices: Option<String>,
    /// Print the report as JSON (the same JSON as `POST /api/experiments`).
    #[arg(long)]
    pub json: bool,
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
            loop_style: self.loop_style,
            visible_devices: self.visible_devices.clone(),
        }
    }
}

/// Runs the benchmark and returns the text to print. The server-wide
/// visibility comes from the `LAB_VISIBLE_DEVICES` environment variable.
pub fn run_bench(args: &BenchArgs) -> Result<String, EngineError> {
    let engine = Engine::new(EngineConfig {
        visible_devices: std::env::var("LAB_VISIBLE_DEVICES").ok(),
        ..Default::default()
    });
    let report = engine.run(&args.to_params())?;
    if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| EngineError::Internal(e.to_string()))
    } else {
        Ok(report_text::format_report(&report))
    }
}
