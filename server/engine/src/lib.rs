//! Inference Lab engine: an fp32 MLP run on the CPU (gemm) and on a GPU
//! (wgpu compute shaders), measured the way a PyTorch inference loop is.
//!
//! Entry point: [`Engine`]. All calls block; the web layer runs them in
//! `spawn_blocking` and shares one `Arc<Engine>`.
//!
//! ```no_run
//! use lab_engine::{Engine, EngineConfig, RunParams};
//! let engine = Engine::new(EngineConfig::default());
//! let report = engine.run(&RunParams::default())?;
//! println!("{}", serde_json::to_string_pretty(&report).unwrap());
//! # Ok::<(), lab_engine::EngineError>(())
//! ```

pub mod bench_cli;
pub mod cpu;
pub mod devices;
mod engine;
pub mod error;
pub mod gpu;
pub mod limits;
mod measure;
pub mod model;
pub mod params;
pub mod report;
pub mod stats;
pub mod visibility;

pub use bench_cli::{run_bench_cli, BenchArgs};
pub use devices::{AdapterEntry, DeviceList, VisibilitySource, SOFTWARE_LABEL};
pub use engine::{Engine, EngineConfig};
pub use error::EngineError;
pub use limits::{batch_counts, Limits, Plan};
pub use measure::{AGREEMENT_ITEMS, INPUT_SEED};
pub use model::{fill_inputs, Mlp, ModelSpec, Preset};
pub use params::{DeviceChoice, InferParams, Kernel, RunParams, TimingDemoParams};
pub use report::{
    Agreement, ColdStart, DeviceKind, DeviceResult, ModelInfo, Phases, RunReport, TimingDemoReport,
};
pub use stats::Summary;
pub use visibility::{parse_visible_devices, StopReason, StoppedAt, Visibility};
