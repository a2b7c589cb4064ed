//! GPU backend on wgpu compute shaders.

pub mod autotune;
pub mod context;
pub mod fma_probe;
pub mod kernels;
pub mod model;
pub(crate) mod pass_timer;
pub mod pipeline;
pub mod regtile;
pub(crate) mod slot;

pub use context::GpuContext;
pub use model::{BatchTimes, GpuModel, PIPELINE_DEPTH};
