//! [`Engine`]: the public façade. Cheap to create; the wgpu instance,
//! adapters, devices, compiled pipelines and uploaded weights are created on
//! first use and cached for the engine's lifetime.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use crate::cpu::CpuRunner;
use crate::devices::{self, DeviceList, VisibilitySource, GPU_BACKENDS};
use crate::error::EngineError;
use crate::gpu::{GpuContext, GpuModel};
use crate::limits::{available_threads, Limits, Plan};
use crate::measure::{compare, measure, CpuBackend, GpuBackend, Measured, INPUT_SEED};
use crate::model::{fill_inputs, Mlp, Preset};
use crate::params::{DeviceChoice, InferParams, Kernel, RunParams, TimingDemoParams};
use crate::report::{ColdStart, DeviceKind, DeviceResult, ModelInfo, RunReport, TimingDemoReport};
use crate::stats::Summary;

/// Seed of the model weights (fixed: every run of a preset uses the same model).
pub const MODEL_SEED: u64 = 42;

/// Server-wide settings.
#[derive(Debug, Clone, Default)]
pub struct EngineConfig {
    /// The lab's `LAB_VISIBLE_DEVICES` (`None` = unset: all GPUs visible).
    pub visible_devices: Option<String>,
    /// Per-request bounds (`Limits::default()` unless a test wants others).
    pub limits: Limits,
}

/// A device with the models uploaded to it.
struct GpuSlot {
    ctx: GpuContext,
    models: HashMap<Preset, GpuModel>,
}

pub struct Engine {
    config: EngineConfig,
    instance: OnceLock<wgpu::Instance>,
    adapters: OnceLock<Vec<wgpu::Adapter>>,
    /// Keyed by physical adapter index. Held for a whole GPU run: runs on a
    /// device are serialised anyway.
    gpus: Mutex<HashMap<usize, GpuSlot>>,
    /// Host copies of the weights, built once per preset.
    models: Mutex<HashMap<Preset, Arc<Mlp>>>,
}

/// A poisoned lock only means an earlier run panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn new_instance() -> wgpu::Instance {
    wgpu::Instance::new(&wgpu::InstanceDescriptor {
        backends: GPU_BACKENDS,
        // No validation layers by default (they are slow and rarely installed);
        // WGPU_DEBUG / WGPU_VALIDATION still switch them on.
        flags: wgpu::InstanceFlags::empty().with_env(),
        ..Default::default()
    })
}

impl Engine {
    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            config,
            instance: OnceLock::new(),
            adapters: OnceLock::new(),
            gpus: Mutex::new(HashMap::new()),
            models: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    fn adapters(&self) -> &[wgpu::Adapter] {
        self.adapters.get_or_init(|| devices::enumerate(self.instance.get_or_init(new_instance)))
    }

    fn visibility_spec<'a>(&'a self, request: Option<&'a str>) -> (Option<&'a str>, VisibilitySource) {
        match (request, self.config.visible_devices.as_deref()) {
            (Some(r), _) => (Some(r), VisibilitySource::RequestOverride),
            (None, Some(s)) => (Some(s), VisibilitySource::ServerSetting),
            (None, None) => (None, VisibilitySource::Unset),
        }
    }

    /// Every adapter with its physical and visible index, under the request's
    /// visibility override or else the server setting.
    pub fn devices(&self, visibility_override: Option<&str>) -> DeviceList {
        let (spec, source) = self.visibility_spec(visibility_override);
        devices::build_list(self.adapters(), spec, source, available_threads())
    }

    /// The GPU a run uses: visible index 0 (like `cuda:0`).
    fn pick_gpu(&self, visibility_override: Option<&str>) -> Result<(usize, DeviceList), EngineError> {
        let list = self.devices(visibility_override);
        match list.visibility.visible.first() {
            Some(&p) => Ok((p, list)),
            None => Err(EngineError::NoGpuVisible(list.no_gpu_message())),
        }
    }

    fn model(&self, preset: Preset) -> (Arc<Mlp>, Option<f64>) {
        let mut models = lock(&self.models);
        if let Some(m) = models.get(&preset) {
            return (m.clone(), None);
        }
        let t = Instant::now();
        let m = Arc::new(Mlp::preset(preset, MODEL_SEED));
        models.insert(preset, m.clone());
        (m, Some(t.elapsed().as_secs_f64() * 1e3))
    }

    /// Runs one measured comparison. Validates everything before allocating.
    pub fn run(&self, p: &RunParams) -> Result<RunReport, EngineError> {
        let plan = self.config.limits.check(p, available_threads())?;
        let mut results = Vec::new();
        let mut kept: Vec<Vec<f32>> = Vec::new();
        let mut notes = vec![
            "Input generation (the data loader) is excluded from all timings.".to_string(),
            "GFLOP/s count 2·in·out FLOPs per layer per item (bias and ReLU not counted).".to_string(),
        ];
        if p.device.uses_gpu() {
            let (result, out) = self.run_gpu(p, &plan)?;
            if result.software {
                notes.push(format!(
                    "The GPU here is {}: its numbers measure the CPU running shader code, not GPU hardware.",
                    devices::SOFTWARE_LABEL
                ));
            }
            results.push(result);
            kept.push(out);
        }
        if p.device.uses_cpu() {
            let (result, out) = self.run_cpu(p, &plan)?;
            results.push(result);
            kept.push(out);
        }
        let agreement = match kept.as_slice() {
            [a, b] => Some(compare(a, b, plan.spec.output_width(), plan.n)),
            _ => None,
        };
        Ok(RunReport {
            params: p.clone(),
            model: ModelInfo {
                preset: p.model,
                widths: plan.spec.widths.clone(),
                parameters: plan.spec.num_params(),
                flops_per_item: plan.flops_per_item,
            },
            n: plan.n,
            batch: plan.batch,
            batches: plan.batches,
            last_batch: plan.last_batch,
            results,
            agreement,
            notes,
        })
    }

    fn run_cpu(&self, p: &RunParams, plan: &Plan) -> Result<(DeviceResult, Vec<f32>), EngineError> {
        let (mlp, weights_ms) = self.model(p.model);
        let t = Instant::now();
        let runner = CpuRunner::new(mlp, plan.cpu_threads, plan.batch.min(plan.n));
        let buffers_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut backend =
            CpuBackend { runner, in_width: plan.spec.input_width(), out_width: plan.spec.output_width() };
        let m = measure(&mut backend, plan, p.warmup, p.repeats)?;
        let cold = cold_start(None, None, weights_ms, buffers_ms, m.first_batch_ms);
        let threads = plan.cpu_threads;
        let result = device_result(
            DeviceKind::Cpu,
            format!("CPU: gemm, {threads} thread{}", if threads == 1 { "" } else { "s" }),
            None,
            (None, None),
            (false, "the host CPU (no GPU involved)".to_string()),
            None,
            Some(threads),
            cold,
            &m,
            plan,
            "wall clock per batch (compute only: the data already lives in host memory)".to_string(),
        );
        Ok((result, m.kept))
    }

    fn run_gpu(&self, p: &RunParams, plan: &Plan) -> Result<(DeviceResult, Vec<f32>), EngineError> {
        let (phys, list) = self.pick_gpu(p.visible_devices.as_deref())?;
        let entry = list
            .adapters
            .get(phys)
            .cloned()
            .ok_or_else(|| EngineError::Internal("visible adapter missing from the list".into()))?;
        let adapter = self
            .adapters()
            .get(phys)
            .ok_or_else(|| EngineError::Internal("visible adapter missing".into()))?;
        let (mlp, _) = self.model(p.model);
        let mut gpus = lock(&self.gpus);
        let outcome = run_on_slot(&mut gpus, phys, adapter, &mlp, p, plan);
        if matches!(outcome, Err(EngineError::Gpu(_))) {
            // A failed device may be lost: open a fresh one next time.
            gpus.remove(&phys);
        }
        let (m, cold, timestamps) = outcome?;
        let method = if timestamps {
            "GPU timestamp queries for kernel time; wall clock (submit + wait per phase) for upload, compute and readback"
        } else {
            "wall clock (submit + wait per phase); this adapter has no timestamp queries"
        };
        let result = device_result(
            DeviceKind::Gpu,
            entry.name.clone(),
            Some(entry.backend.clone()),
            (Some(phys), entry.visible_index),
            (entry.software, entry.label.clone()),
            Some(p.kernel),
            None,
            cold,
            &m,
            plan,
            method.to_string(),
        );
        Ok((result, m.kept))
    }

    /// Runs items `first_item .. first_item + count` as one batch on one
    /// device and returns the `count × out` outputs (row-major). For showing
    /// predictions and for checking backends against each other.
    pub fn infer(&self, p: &InferParams) -> Result<Vec<f32>, EngineError> {
        let limits = &self.config.limits;
        if p.count == 0 || p.count > limits.max_batch {
            return Err(EngineError::invalid(
                "count",
                format!("count = {} must be between 1 and {}", p.count, limits.max_batch),
            ));
        }
        if p.first_item > limits.max_n {
            return Err(EngineError::invalid("first_item", format!("first_item must be at most {}", limits.max_n)));
        }
        let (mlp, _) = self.model(p.model);
        let in_w = mlp.spec.input_width();
        let mut input = vec![0.0f32; p.count * in_w];
        fill_inputs(INPUT_SEED, p.first_item, p.count, in_w, &mut input);
        let mut out = vec![0.0f32; p.count * mlp.spec.output_width()];
        match p.device {
            DeviceChoice::Cpu => {
                let threads = match p.cpu_threads {
                    0 => available_threads(),
                    t if t <= available_threads() => t,
                    t => {
                        return Err(EngineError::LimitExceeded {
                            field: "cpu_threads",
                            message: format!("cpu_threads = {t} exceeds the {} available cores", available_threads()),
                        })
                    }
                };
                let mut runner = CpuRunner::new(mlp, threads, p.count);
                out.copy_from_slice(runner.forward(&input, p.count)?);
            }
            DeviceChoice::Gpu => {
                let (phys, _) = self.pick_gpu(p.visible_devices.as_deref())?;
                let adapter = self
                    .adapters()
                    .get(phys)
                    .ok_or_else(|| EngineError::Internal("visible adapter missing".into()))?;
                let mut gpus = lock(&self.gpus);
                let outcome = prepare_slot(&mut gpus, phys, adapter, &mlp, p.model, p.kernel, p.count).and_then(
                    |(slot, pipeline, _)| {
                        let model = slot
                            .models
                            .get_mut(&p.model)
                            .ok_or_else(|| EngineError::Internal("GPU model vanished".into()))?;
                        model.run_batch(&slot.ctx, &pipeline, p.kernel, &input, p.count, &mut out)
                    },
                );
                if matches!(outcome, Err(EngineError::Gpu(_))) {
                    gpus.remove(&phys);
                }
                outcome?;
            }
            DeviceChoice::Both => {
                return Err(EngineError::invalid("device", "infer runs on one device: gpu or cpu"));
            }
        }
        Ok(out)
    }

    /// The timing lesson: (a) submit without waiting, (b) submit + wait,
    /// (c) a cold first call on a fresh device, (d) warm calls. Uses its own
    /// fresh device so (c) is genuinely cold every time.
    pub fn timing_demo(&self, p: &TimingDemoParams) -> Result<TimingDemoReport, EngineError> {
        self.config.limits.check_demo(p.batch, p.warm_calls)?;
        let (phys, list) = self.pick_gpu(p.visible_devices.as_deref())?;
        let entry = list
            .adapters
            .get(phys)
            .cloned()
            .ok_or_else(|| EngineError::Internal("visible adapter missing from the list".into()))?;
        let (mlp, _) = self.model(p.model);
        // A separate instance: an adapter hands out one device, and the
        // cached one would not be cold.
        let fresh = devices::enumerate(&new_instance());
        let adapter = fresh
            .get(phys)
            .ok_or_else(|| EngineError::Gpu("the adapter disappeared between enumerations".into()))?;

        let in_w = mlp.spec.input_width();
        let mut input = vec![0.0f32; p.batch * in_w];
        fill_inputs(INPUT_SEED, 0, p.batch, in_w, &mut input);
        let mut out = vec![0.0f32; p.batch * mlp.spec.output_width()];

        // (c) cold: everything a first request pays.
        let mut ctx = GpuContext::new(adapter)?;
        let device_ms = ctx.device_ms;
        let (pipeline, pipeline_ms) = ctx.pipelines.get(&ctx.device, &ctx.limits, p.kernel)?;
        let mut model = GpuModel::upload(&ctx, &mlp)?;
        let t = Instant::now();
        model.ensure_capacity(&ctx, p.batch)?;
        let buffers_ms = t.elapsed().as_secs_f64() * 1e3;
        let first = model.run_batch(&ctx, &pipeline, p.kernel, &input, p.batch, &mut out)?;
        let first_ms = (first.upload + first.compute + first.readback).as_secs_f64() * 1e3;
        let cold = cold_start(Some(device_ms), pipeline_ms, Some(model.upload_ms), buffers_ms, first_ms);

        // (d) warm calls.
        let mut warm = Vec::with_capacity(p.warm_calls);
        for _ in 0..p.warm_calls {
            let t = model.run_batch(&ctx, &pipeline, p.kernel, &input, p.batch, &mut out)?;
            warm.push((t.upload + t.compute + t.readback).as_secs_f64() * 1e3);
        }

        // (a) and (b): the same compute work (inputs already on the device).
        let (mut submit_only, mut with_wait) = (Vec::new(), Vec::new());
        for _ in 0..p.warm_calls {
            let t = Instant::now();
            let cmd = model.encode_forward(&ctx, &pipeline, p.kernel, p.batch)?;
            ctx.queue.submit([cmd]);
            submit_only.push(t.elapsed().as_secs_f64() * 1e3);
            ctx.wait()?;

            let t = Instant::now();
            let cmd = model.encode_forward(&ctx, &pipeline, p.kernel, p.batch)?;
            ctx.queue.submit([cmd]);
            ctx.wait()?;
            with_wait.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let submit_only_ms = Summary::from_ms(&submit_only).median_ms;
        let submit_and_wait_ms = Summary::from_ms(&with_wait).median_ms;
        let warm_call = Summary::from_ms(&warm);
        // Release the demo device (it is not cached) before building the report.
        drop(model);
        drop(ctx);

        let explanation = format!(
            "queue.submit returns after {submit_only_ms:.3} ms, but the work is only done after \
             {submit_and_wait_ms:.3} ms: timing without waiting measures the enqueue, not the kernel. \
             The first call took {:.1} ms (device, shader compile, weight upload) versus a warm median of {:.2} ms.",
            cold.total_ms, warm_call.median_ms
        );
        Ok(TimingDemoReport {
            adapter: entry.name,
            software: entry.software,
            label: entry.label,
            model: p.model,
            batch: p.batch,
            kernel: p.kernel,
            submit_only_ms,
            submit_and_wait_ms,
            cold_first_call_ms: cold.total_ms,
            cold_breakdown: cold,
            warm_call,
            explanation,
        })
    }
}

/// Opens/reuses the device, compiles/reuses the kernel, uploads/reuses the
/// weights, then measures. Returns the samples, the cold-start breakdown and
/// whether timestamps were used.
fn run_on_slot(
    gpus: &mut HashMap<usize, GpuSlot>,
    phys: usize,
    adapter: &wgpu::Adapter,
    mlp: &Arc<Mlp>,
    p: &RunParams,
    plan: &Plan,
) -> Result<(Measured, ColdStart, bool), EngineError> {
    let (slot, pipeline, (device_ms, pipeline_ms, weights_ms, buffers_ms)) =
        prepare_slot(gpus, phys, adapter, mlp, p.model, p.kernel, plan.batch.min(plan.n))?;
    let ctx = &slot.ctx;
    let model = slot.models.get_mut(&p.model).ok_or_else(|| EngineError::Internal("GPU model vanished".into()))?;
    let timestamps = ctx.timestamps;
    let mut backend = GpuBackend { ctx, model, pipeline, kernel: p.kernel, in_width: plan.spec.input_width() };
    let m = measure(&mut backend, plan, p.warmup, p.repeats)?;
    let cold = cold_start(device_ms, pipeline_ms, weights_ms, buffers_ms, m.first_batch_ms);
    Ok((m, cold, timestamps))
}

/// Setup costs in ms: (device, pipeline, weights) — `None` when cached — and buffers.
type SetupMs = (Option<f64>, Option<f64>, Option<f64>, f64);

/// Opens/reuses the device, compiles/reuses the kernel, uploads/reuses the
/// weights and sizes the batch buffers for `rows` items.
fn prepare_slot<'a>(
    gpus: &'a mut HashMap<usize, GpuSlot>,
    phys: usize,
    adapter: &wgpu::Adapter,
    mlp: &Arc<Mlp>,
    preset: Preset,
    kernel: Kernel,
    rows: usize,
) -> Result<(&'a mut GpuSlot, Arc<wgpu::ComputePipeline>, SetupMs), EngineError> {
    let device_ms = match gpus.entry(phys) {
        std::collections::hash_map::Entry::Occupied(_) => None,
        std::collections::hash_map::Entry::Vacant(v) => {
            let ctx = GpuContext::new(adapter)?;
            let ms = ctx.device_ms;
            v.insert(GpuSlot { ctx, models: HashMap::new() });
            Some(ms)
        }
    };
    let slot = gpus.get_mut(&phys).ok_or_else(|| EngineError::Internal("GPU slot vanished".into()))?;
    let ctx = &mut slot.ctx;
    let (pipeline, pipeline_ms) = ctx.pipelines.get(&ctx.device, &ctx.limits, kernel)?;
    let weights_ms = match slot.models.entry(preset) {
        std::collections::hash_map::Entry::Occupied(_) => None,
        std::collections::hash_map::Entry::Vacant(v) => {
            let model = GpuModel::upload(ctx, mlp)?;
            let ms = model.upload_ms;
            v.insert(model);
            Some(ms)
        }
    };
    let model = slot.models.get_mut(&preset).ok_or_else(|| EngineError::Internal("GPU model vanished".into()))?;
    let t = Instant::now();
    model.ensure_capacity(ctx, rows)?;
    let buffers_ms = t.elapsed().as_secs_f64() * 1e3;
    Ok((slot, pipeline, (device_ms, pipeline_ms, weights_ms, buffers_ms)))
}

fn cold_start(
    device_ms: Option<f64>,
    pipeline_ms: Option<f64>,
    weights_ms: Option<f64>,
    buffers_ms: f64,
    first_batch_ms: f64,
) -> ColdStart {
    let total_ms = device_ms.unwrap_or(0.0)
        + pipeline_ms.unwrap_or(0.0)
        + weights_ms.unwrap_or(0.0)
        + buffers_ms
        + first_batch_ms;
    ColdStart { device_ms, pipeline_ms, weights_ms, buffers_ms, first_batch_ms, total_ms }
}

#[allow(clippy::too_many_arguments)]
fn device_result(
    device: DeviceKind,
    name: String,
    backend: Option<String>,
    (physical_index, visible_index): (Option<usize>, Option<usize>),
    (software, label): (bool, String),
    kernel: Option<Kernel>,
    threads: Option<usize>,
    cold_start: ColdStart,
    m: &Measured,
    plan: &Plan,
    timing_method: String,
) -> DeviceResult {
    let wall = Summary::from_ms(&m.wall_ms);
    let phases = m.phases();
    let total_flops = plan.n as f64 * plan.flops_per_item;
    let per_s = |ms: f64| if ms > 0.0 { 1e3 / ms } else { 0.0 };
    DeviceResult {
        device,
        name,
        backend,
        physical_index,
        visible_index,
        software,
        label,
        kernel,
        threads,
        cold_start,
        items_per_s: plan.n as f64 * per_s(wall.median_ms),
        gflops: total_flops * per_s(wall.median_ms) / 1e9,
        kernel_gflops: phases.kernel.as_ref().map(|k| total_flops * per_s(k.median_ms) / 1e9),
        wall,
        phases,
        timing_method,
    }
}
