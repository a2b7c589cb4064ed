//! Inference Lab engine: an fp32 MLP run on the CPU (gemm) and on a GPU
//! (wgpu compute shaders), measured the way a PyTorch inference loop is.
//!
//! Entry point: [`Engine`]. All calls block; the web layer runs them in
//! `spawn_blocking` and shares one `Arc<Engine>`. Parameters and reports are
//! the shared vocabulary of `lab_types`.
//!
//! ```no_run
//! use lab_engine::{Engine, EngineConfig, RunParams};
//! let engine = Engine::new(EngineConfig::default());
//! let report = engine.run(&RunParams::default())?;
//! println!("{}", serde_json::to_string_pretty(&report).unwrap());
//! # Ok::<(), lab_engine::EngineError>(())
//! ```

pub mod catalog;
pub mod cpu;
pub mod devices;
mod engine;
pub mod error;
pub mod gpu;
pub mod limits;
mod measure;
pub mod model;
pub mod params;
pub mod peak;
pub mod playground;
pub mod roofs;
pub mod testing;
mod timing_demo;
pub mod visibility;

pub use catalog::Catalog;
pub use engine::{Engine, EngineConfig};
pub use error::EngineError;
pub use lab_types::{
    AdapterEntry, Agreement, ColdStart, DeviceChoice, DeviceKind, DeviceList, DeviceResult, Kernel,
    LoopStyle, ModelInfo, Phases, Preset, RunParams, RunReport, StopReason, StoppedAt, Summary,
    TimingParams, TimingReport, Visibility, VisibilitySource, SOFTWARE_LABEL,
};
pub use limits::{batch_counts, Limits, Plan};
pub use measure::{AGREEMENT_ITEMS, INPUT_SEED};
pub use model::{fill_inputs, Mlp, ModelSpec};
pub use params::InferParams;
pub use visibility::parse_visible_devices;
