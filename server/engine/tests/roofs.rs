//! The roofs on this machine's real devices (lavapipe in CI): each is a
//! median of enough samples with an ordered spread, lands in a range a
//! memory system or an FMA unit can have, and is measured once per engine.
//! A GPU probe that fails loses nothing measured. The numbers are printed
//! for the record; nothing here claims a speed beyond "sane".

mod common;

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use common::gpu_available;
use lab_engine::roofs::SAMPLES;
use lab_engine::{DeviceKind, Engine, EngineConfig, EngineError};
use lab_types::{DeviceRoofs, Roof};

/// The probes saturate the cores; two at once would measure each other.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn print(r: &DeviceRoofs) {
    let roof = |name: &str, unit: &str, roof: &Roof| {
        let s = roof.spread.unwrap_or_default();
        eprintln!(
            "  {name}: {:.2} {unit} (p10 {:.2}, p90 {:.2}, min {:.2}, max {:.2}, {} samples) — {}",
            roof.value, s.p10, s.p90, s.min, s.max, s.samples, roof.method
        );
    };
    eprintln!(
        "{} ({:?}, software: {}, cache {:?} bytes, took {:.0} ms, ridge {:.2} FLOP/B)",
        r.name,
        r.device,
        r.software,
        r.cache_bytes,
        r.took_ms,
        r.ridge()
    );
    roof("memory", "GB/s", &r.memory);
    roof("compute", "GFLOP/s", &r.compute);
}

/// A measured roof: its value is the median of at least 7 ordered samples.
fn assert_measured(what: &str, roof: &Roof, lo: f64, hi: f64) {
    let s = roof
        .spread
        .unwrap_or_else(|| panic!("{what}: measured, so it has a spread"));
    assert!(s.samples >= 7 && s.samples == SAMPLES, "{what}: {s:?}");
    assert!(
        s.min <= s.p10 && s.p10 <= s.median && s.median <= s.p90 && s.p90 <= s.max,
        "{what}: unordered {s:?}"
    );
    assert_eq!(roof.value, s.median, "{what}: the roof is the median");
    assert!(
        roof.value > lo && roof.value < hi,
        "{what}: {} outside ({lo}, {hi})",
        roof.value
    );
    assert!(!roof.method.is_empty(), "{what}: says how it was measured");
}

fn assert_sane(r: &DeviceRoofs) {
    // 0.1 GB/s is slower than any DRAM since the 1990s; 2,000 GB/s is more
    // than this machine's CPU and lavapipe could stream (an H200 reaches
    // ~4,800, hence the wider bound for hardware GPUs).
    let max_gb_s = if r.device == DeviceKind::Gpu && !r.software {
        20_000.0
    } else {
        2_000.0
    };
    assert_measured(&format!("{} memory", r.name), &r.memory, 0.1, max_gb_s);
    assert_measured(&format!("{} compute", r.name), &r.compute, 0.0, 1e6);
    assert!(
        r.ridge().is_finite() && r.ridge() > 0.0,
        "{}: ridge {}",
        r.name,
        r.ridge()
    );
    assert!(r.took_ms > 0.0, "{}: took_ms {}", r.name, r.took_ms);
    assert!(r
        .memory
        .method
        .contains("write-allocate traffic not counted"));
}

#[test]
fn cpu_and_gpu_roofs_are_measured_once_and_cached() {
    let _serial = one_at_a_time();
    let engine = Engine::new(EngineConfig::default());
    assert_eq!(engine.cached_roofs(), None, "nothing measured yet");
    // Two callers at once: one measures, the other waits for its results.
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(|| engine.roofs());
        let b = s.spawn(|| engine.roofs());
        (a.join().unwrap(), b.join().unwrap())
    });
    let first = first.expect("roofs");
    assert_eq!(
        second.expect("roofs"),
        first,
        "measured twice (the took_ms would differ)"
    );
    for r in &first {
        print(r);
        assert_sane(r);
    }

    let cpu = first
        .iter()
        .find(|r| r.device == DeviceKind::Cpu)
        .expect("the CPU is always measured");
    assert!(!cpu.software);
    assert!(cpu.name.starts_with("CPU, "), "{}", cpu.name);
    assert!(
        cpu.compute.method.contains("thread"),
        "{}",
        cpu.compute.method
    );

    if gpu_available() {
        assert_eq!(first.len(), 2, "the default visible GPU is measured too");
        let gpu = &first[0];
        assert_eq!(gpu.device, DeviceKind::Gpu, "GPU first, as in run reports");
        let listed = engine.devices(None);
        let entry = listed.first_visible().expect("a visible GPU");
        assert_eq!(gpu.name, entry.name);
        assert_eq!(gpu.software, entry.software);
        if entry.software {
            // lavapipe: its memory is the host's, so its buffers are sized by
            // the host's cache.
            assert!(gpu.software);
            assert_eq!(gpu.cache_bytes, cpu.cache_bytes);
            assert!(
                gpu.memory.method.contains("last-level cache"),
                "{}",
                gpu.memory.method
            );
        } else {
            assert_eq!(gpu.cache_bytes, None);
        }
        assert!(
            gpu.compute
                .method
                .contains("FMA-only WGSL kernel, median of"),
            "{}",
            gpu.compute.method
        );
    } else {
        assert_eq!(first.len(), 1);
    }

    // Later calls are the cache: the same values, took_ms included.
    assert_eq!(engine.roofs().expect("cached"), first);
    assert_eq!(engine.cached_roofs(), Some(first));
}

#[test]
fn with_every_gpu_hidden_only_the_cpu_is_measured() {
    let _serial = one_at_a_time();
    let engine = Engine::new(EngineConfig {
        visible_devices: Some(String::new()),
        ..EngineConfig::default()
    });
    let roofs = engine.roofs().expect("a hidden GPU is not an error");
    assert_eq!(roofs.len(), 1, "{roofs:?}");
    assert_eq!(roofs[0].device, DeviceKind::Cpu);
    assert_sane(&roofs[0]);
    assert_eq!(engine.roofs().expect("cached"), roofs);
}

#[test]
fn a_failed_gpu_probe_keeps_the_cpu_roofs_and_is_retried_alone() {
    if !gpu_available() {
        return;
    }
    let _serial = one_at_a_time();
    // A wait limit far below one triad pass stands in for a wedged driver.
    let engine = Engine::new(EngineConfig {
        gpu_wait_limit: Duration::from_micros(1),
        ..EngineConfig::default()
    });
    let e = engine.roofs().expect_err("the GPU cannot finish in 1 µs");
    assert!(matches!(e, EngineError::GpuTimeout { .. }), "{e}");
    let kept = engine.cached_roofs().expect("the CPU's roofs are kept");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].device, DeviceKind::Cpu);

    engine.set_gpu_wait_limit(Duration::from_secs(60));
    let roofs = engine.roofs().expect("the retry measures the GPU");
    assert_eq!(roofs.len(), 2);
    assert_eq!(roofs[0].device, DeviceKind::Gpu);
    assert_sane(&roofs[0]);
    assert_eq!(roofs[1], kept[0], "the CPU was not measured again");
}
