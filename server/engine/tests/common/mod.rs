//! Shared helpers: one engine per test binary (the device, pipelines and
//! weights are cached in it, which keeps the suite fast), and whether the GPU tests run.
#![allow(dead_code)]

use std::sync::OnceLock;

use lab_engine::{Engine, EngineConfig};

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineConfig::default()))
}

/// True when a GPU adapter (lavapipe counts) is present; see
/// [`lab_engine::testing::gpu_present_or_skip`].
pub fn gpu_available() -> bool {
    lab_engine::testing::gpu_present_or_skip(engine().devices(None).adapters.len())
}
