//! Shared helpers: one engine per test binary (the device, pipelines and
//! weights are cached in it, which keeps the suite fast), and the rule that
//! a missing GPU adapter fails under CI but is a loud skip elsewhere.
#![allow(dead_code)]

use std::sync::OnceLock;

use lab_engine::{Engine, EngineConfig};

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(EngineConfig::default()))
}

/// True when a GPU adapter (lavapipe counts) is present. Under `CI` a
/// missing adapter panics: the GPU path must be tested there.
pub fn gpu_available() -> bool {
    let list = engine().devices(None);
    if !list.adapters.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "CI is set but no GPU adapter was found: install mesa-vulkan-drivers (lavapipe) \
             so the GPU path is really tested"
        );
    }
    eprintln!();
    eprintln!("########################################################################");
    eprintln!("## SKIPPING GPU TEST: no Vulkan/Metal/DX12 adapter on this machine.   ##");
    eprintln!("## Install mesa-vulkan-drivers (lavapipe). Under CI this is a failure. ##");
    eprintln!("########################################################################");
    false
}
