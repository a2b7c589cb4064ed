//! `Engine::roofs`: the CPU's roofs and those of the server's default
//! visible GPU, measured once per process and kept.
//!
//! A GPU probe failure does not lose the CPU's roofs: they are measured
//! first and kept, `roofs()` returns the GPU's error (so the caller can say
//! what failed) and `cached_roofs()` still returns the CPU's. The next
//! `roofs()` call measures only what is missing, the GPU's.

use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use lab_types::DeviceRoofs;
use lab_types::{AdapterEntry, DeviceKind};

use super::{cache, cpu_compute, cpu_memory, gpu_compute, gpu_memory, threads_text};
use crate::error::EngineError;
use crate::gpu::GpuContext;
use crate::limits::{available_threads, default_threads};
use crate::Engine;

/// What has been measured so far, and the lock that makes one caller
/// measure while the others wait for its results.
#[derive(Default)]
pub struct RoofsCache {
    /// Held for a whole measurement: a second caller waits here, then finds
    /// everything measured. `measured` is separate so `cached_roofs` never
    /// waits for a measurement.
    measuring: Mutex<()>,
    measured: Mutex<Measured>,
}

#[derive(Default)]
struct Measured {
    cpu: Option<DeviceRoofs>,
    gpu: Option<DeviceRoofs>,
    /// The GPU's roofs are measured, or there is no visible GPU to measure.
    gpu_settled: bool,
}

impl Measured {
    /// GPU first, as in a run's report.
    fn list(&self) -> Vec<DeviceRoofs> {
        self.gpu.iter().chain(&self.cpu).cloned().collect()
    }
}

/// A poisoned lock only means a probe panicked; what it guards is still whole.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Engine {
    /// The roofs of the CPU (with the engine's default thread count) and of
    /// the server's default visible GPU when there is one, GPU first.
    /// Measured on the first call (a few seconds; the GPU probe runs on the
    /// device runs use, under the same wait limit) and returned from the
    /// cache afterwards. Concurrent callers wait for one measurement. The
    /// probes saturate the cores and the GPU, so call it while nothing else
    /// runs on the engine (the lab's job queue does); anything that does
    /// lowers the roofs.
    ///
    /// When the GPU probe fails, its error is returned and logged; the CPU's
    /// roofs are kept (`cached_roofs`) and a later call retries the GPU only.
    pub fn roofs(&self) -> Result<Vec<DeviceRoofs>, EngineError> {
        let _one_at_a_time = lock(&self.roofs.measuring);
        if lock(&self.roofs.measured).cpu.is_none() {
            let cpu = measure_cpu();
            lock(&self.roofs.measured).cpu = Some(cpu);
        }
        if !lock(&self.roofs.measured).gpu_settled {
            match self.with_visible_context(measure_gpu) {
                Ok(gpu) => {
                    let mut m = lock(&self.roofs.measured);
                    m.gpu = Some(gpu);
                    m.gpu_settled = true;
                }
                Err(EngineError::NoGpuVisible(_)) => lock(&self.roofs.measured).gpu_settled = true,
                Err(e) => {
                    tracing::error!(error = %e, "measuring the GPU's roofs failed; the CPU's are kept");
                    return Err(e);
                }
            }
        }
        Ok(lock(&self.roofs.measured).list())
    }

    /// The roofs measured so far, without measuring (`None` before the first
    /// `roofs()` has measured the CPU's). After a GPU probe failure this
    /// holds the CPU's alone.
    pub fn cached_roofs(&self) -> Option<Vec<DeviceRoofs>> {
        let m = lock(&self.roofs.measured);
        m.cpu.is_some().then(|| m.list())
    }
}

fn measure_cpu() -> DeviceRoofs {
    let start = Instant::now();
    let threads = default_threads(available_threads());
    let cache_bytes = cache::last_level_cache_bytes();
    let memory = cpu_memory::measure(threads, cache_bytes).roof;
    let compute = cpu_compute::measure(threads);
    DeviceRoofs {
        device: DeviceKind::Cpu,
        name: format!("CPU, {}", threads_text(threads)),
        software: false,
        compute,
        memory,
        cache_bytes,
        took_ms: start.elapsed().as_secs_f64() * 1e3,
    }
}

fn measure_gpu(entry: &AdapterEntry, ctx: &GpuContext) -> Result<DeviceRoofs, EngineError> {
    let start = Instant::now();
    // The host's cache matters only to a software adapter, whose memory is
    // the host's; a hardware GPU's own caches are not reported by wgpu.
    let cache_bytes = if entry.software {
        cache::last_level_cache_bytes()
    } else {
        None
    };
    let memory = gpu_memory::measure(ctx, entry.software, cache_bytes)?.roof;
    let compute = gpu_compute::measure(ctx)?;
    Ok(DeviceRoofs {
        device: DeviceKind::Gpu,
        name: entry.name.clone(),
        software: entry.software,
        compute,
        memory,
        cache_bytes,
        took_ms: start.elapsed().as_secs_f64() * 1e3,
    })
}
