//! GPU backend on wgpu compute shaders.

pub mod context;
pub mod kernels;
pub mod model;
pub mod pipeline;

pub use context::GpuContext;
pub use model::{BatchTimes, GpuModel};
