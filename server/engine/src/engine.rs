//! [`Engine`]: the public façade. Cheap to create; the wgpu instance,
//! adapters, devices, compiled pipelines and uploaded weights are created on
//! first use and cached for the engine's lifetime.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use lab_types::{
    AdapterEntry, ColdStart, DeviceChoice, DeviceKind, DeviceList, DeviceResult, Kernel, LoopStyle,
    ModelInfo, Preset, RunParams, RunReport, Summary, VisibilitySource, SOFTWARE_LABEL,
};

use crate::catalog::Catalog;
use crate::cpu::CpuRunner;
use crate::devices;
use crate::error::EngineError;
use crate::gpu::autotune;
use crate::gpu::pipeline::KernelSet;
use crate::gpu::{GpuContext, GpuModel, PIPELINE_DEPTH};
use crate::limits::{available_threads, default_threads, Limits, Plan};
use crate::measure::{compare, measure, CpuBackend, GpuBackend, Measured, INPUT_SEED};
use crate::model::{fill_inputs, Mlp};
use crate::params::InferParams;

/// Seed of the model weights (fixed: every run of a preset uses the same model).
pub const MODEL_SEED: u64 = 42;

/// The longest one wait for the GPU may take by default. Every accepted
/// request's single batch finishes far sooner, even on a software GPU.
pub const DEFAULT_GPU_WAIT_LIMIT: Duration = Duration::from_secs(60);

/// Server-wide settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The lab's `LAB_VISIBLE_DEVICES` (`None` = unset: all GPUs visible).
    pub visible_devices: Option<String>,
    /// Per-request bounds (`Limits::default()` unless a test wants others).
    pub limits: Limits,
    /// How long one wait for the GPU may take before the job fails and the
    /// device is dropped.
    pub gpu_wait_limit: Duration,
    /// Time the tiled kernel's configurations per layer shape on each device
    /// (once per shape class, inside a run) and use the fastest
    /// (`gpu::autotune`); off, the shape rule picks. `None`: on for hardware
    /// GPUs, off for software ones (lavapipe would time its own busy CPU
    /// cores, and one warm-up dispatch there can take seconds). Default from
    /// the environment: `LAB_AUTOTUNE=0` off, `LAB_AUTOTUNE=1` on everywhere.
    pub autotune: Option<bool>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            visible_devices: None,
            limits: Limits::default(),
            gpu_wait_limit: DEFAULT_GPU_WAIT_LIMIT,
            autotune: match std::env::var("LAB_AUTOTUNE").as_deref().map(str::trim) {
                Ok("0") => Some(false),
                Ok("1") => Some(true),
                _ => None,
            },
        }
    }
}

/// A device with the models uploaded to it.
struct GpuSlot {
    ctx: GpuContext,
    models: HashMap<Preset, GpuModel>,
}

/// The GPU a request runs on: visible index 0 under its visibility setting.
pub(crate) struct VisibleGpu<'a> {
    pub physical_index: usize,
    pub entry: AdapterEntry,
    pub adapter: &'a wgpu::Adapter,
    /// The wait limit a device opened for this request gets.
    pub wait_limit: Duration,
    pub autotune: Option<bool>,
}

pub struct Engine {
    config: EngineConfig,
    instance: OnceLock<wgpu::Instance>,
    adapters: OnceLock<Vec<wgpu::Adapter>>,
    catalog: OnceLock<Catalog>,
    /// Keyed by physical adapter index. Held for a whole GPU run: runs on a
    /// device are serialised anyway.
    gpus: Mutex<HashMap<usize, GpuSlot>>,
    /// Host copies of the weights, built once per preset.
    models: Mutex<HashMap<Preset, Arc<Mlp>>>,
    /// `gpu_wait_limit` in µs; devices opened later use the current value.
    gpu_wait_limit_us: AtomicU64,
    /// The kernel playground's own device (see `playground`).
    pub(crate) playground: crate::playground::PlaygroundSlot,
    /// The devices' measured roofs (see `roofs`).
    pub(crate) roofs: crate::roofs::RoofsCache,
}

/// A poisoned lock only means an earlier run panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Engine {
    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            instance: OnceLock::new(),
            adapters: OnceLock::new(),
            catalog: OnceLock::new(),
            gpus: Mutex::new(HashMap::new()),
            models: Mutex::new(HashMap::new()),
            gpu_wait_limit_us: AtomicU64::new(config.gpu_wait_limit.as_micros() as u64),
            playground: Default::default(),
            roofs: Default::default(),
            config,
        }
    }

    /// Autotune's decisions so far on the GPU at `physical_index` (empty
    /// where it has not run): what the bench prints per layer shape.
    pub fn autotune_choices(&self, physical_index: usize) -> Vec<autotune::Tuned> {
        lock(&self.gpus)
            .get(&physical_index)
            .and_then(|s| s.ctx.pipelines.cached(Kernel::Tiled))
            .map(|k| k.autotune.entries())
            .unwrap_or_default()
    }

    /// How long one wait for the GPU may take (for devices opened from now on).
    pub fn set_gpu_wait_limit(&self, limit: Duration) {
        self.gpu_wait_limit_us
            .store(limit.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn gpu_wait_limit(&self) -> Duration {
        Duration::from_micros(self.gpu_wait_limit_us.load(Ordering::Relaxed))
    }

    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    fn adapters(&self) -> &[wgpu::Adapter] {
        self.adapters
            .get_or_init(|| devices::enumerate(self.instance.get_or_init(devices::new_instance)))
    }

    /// What this engine offers, as data (its adapters, limits and visibility
    /// setting): built once, from the adapters enumerated on first use.
    pub fn catalog(&self) -> &Catalog {
        self.catalog.get_or_init(|| Catalog {
            adapters: devices::build_list(self.adapters(), None, VisibilitySource::Unset, 0)
                .adapters,
            visible_devices: self.config.visible_devices.clone(),
            limits: self.config.limits.clone(),
            cpu_threads: available_threads(),
        })
    }

    /// Every adapter with its physical and visible index, under the request's
    /// visibility override or else the server setting.
    pub fn devices(&self, visibility_override: Option<&str>) -> DeviceList {
        self.catalog().devices(visibility_override)
    }

    /// The GPU a run uses: visible index 0 (like `cuda:0`).
    pub(crate) fn visible_gpu(
        &self,
        visibility_override: Option<&str>,
    ) -> Result<VisibleGpu<'_>, EngineError> {
        let entry = self.catalog().visible_gpu(visibility_override)?;
        let adapter = self
            .adapters()
            .get(entry.physical_index)
            .ok_or_else(|| EngineError::Internal("visible adapter missing".into()))?;
        Ok(VisibleGpu {
            physical_index: entry.physical_index,
            entry,
            adapter,
            wait_limit: self.gpu_wait_limit(),
            autotune: self.config.autotune,
        })
    }

    /// The host copy of a preset's weights, and how long building it took
    /// (`None` when it was cached).
    pub(crate) fn model(&self, preset: Preset) -> (Arc<Mlp>, Option<f64>) {
        let mut models = lock(&self.models);
        if let Some(m) = models.get(&preset) {
            return (m.clone(), None);
        }
        let t = Instant::now();
        let m = Arc::new(Mlp::preset(preset, MODEL_SEED));
        models.insert(preset, m.clone());
        (m, Some(t.elapsed().as_secs_f64() * 1e3))
    }

    /// The limits for requests under `visibility`: sized to the GPU they would
    /// run on (a hardware GPU gets larger GPU budgets than a software one).
    pub fn limits_for(&self, visibility: Option<&str>) -> Limits {
        self.catalog().limits_for(visibility)
    }

    /// Whether a GPU request under `visibility` would run on a software adapter,
    /// i.e. on the same CPU cores a CPU run uses.
    pub fn gpu_is_software(&self, visibility: Option<&str>) -> bool {
        self.catalog().gpu_is_software(visibility)
    }

    /// Validates one run against the limits of the device it would run on
    /// (a CPU-only run never looks at the adapters).
    pub fn check(&self, p: &RunParams) -> Result<Plan, EngineError> {
        if !p.device.uses_gpu() {
            // A CPU-only run never enumerates the adapters.
            crate::limits::check_visibility(p.visible_devices.as_deref())?;
            return self.config.limits.check(p, available_threads());
        }
        self.catalog().check(p)
    }

    /// Validates every run of a request, then their total (a sweep is one
    /// request: its points share one budget).
    pub fn check_all(&self, runs: &[RunParams]) -> Result<(), EngineError> {
        if runs.iter().all(|p| !p.device.uses_gpu()) {
            let mut plans = Vec::with_capacity(runs.len());
            for p in runs {
                plans.push((p.clone(), self.check(p)?));
            }
            return self.config.limits.check_total(&plans);
        }
        self.catalog().check_all(runs)
    }

    /// Runs one measured comparison. Validates everything before allocating.
    pub fn run(&self, p: &RunParams) -> Result<RunReport, EngineError> {
        self.run_until(p, &AtomicBool::new(false))
    }

    /// Like `run`, but ends with `EngineError::Stopped` within one batch once
    /// `stop` turns true (a cancelled job does not run to its end).
    pub fn run_until(&self, p: &RunParams, stop: &AtomicBool) -> Result<RunReport, EngineError> {
        let plan = self.check(p)?;
        let mut results = Vec::new();
        let mut kept: Vec<Vec<f32>> = Vec::new();
        let mut notes = vec![
            "Input generation (the data loader) is excluded from all timings.".to_string(),
            "GFLOP/s count 2·in·out FLOPs per layer per item (bias and ReLU not counted)."
                .to_string(),
        ];
        if p.device.uses_gpu() {
            let (result, out) = self.run_gpu(p, &plan, stop)?;
            if result.software {
                notes.push(format!(
                    "The GPU here is {SOFTWARE_LABEL}: its numbers measure the CPU running shader code, not GPU hardware."
                ));
            }
            results.push(result);
            kept.push(out);
        }
        if p.device.uses_cpu() {
            let (result, out) = self.run_cpu(p, &plan, stop)?;
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

    fn run_cpu(
        &self,
        p: &RunParams,
        plan: &Plan,
        stop: &AtomicBool,
    ) -> Result<(DeviceResult, Vec<f32>), EngineError> {
        let (mlp, weights_ms) = self.model(p.model);
        let t = Instant::now();
        let runner = CpuRunner::new(mlp, plan.cpu_threads, plan.batch.min(plan.n));
        let buffers_ms = t.elapsed().as_secs_f64() * 1e3;
        let mut backend = CpuBackend {
            runner,
            in_width: plan.spec.input_width(),
            out_width: plan.spec.output_width(),
        };
        let m = measure(&mut backend, plan, p.warmup, p.repeats, stop)?;
        let threads = plan.cpu_threads;
        let who = Identity {
            device: DeviceKind::Cpu,
            name: format!(
                "CPU: gemm, {threads} thread{}",
                if threads == 1 { "" } else { "s" }
            ),
            backend: None,
            physical_index: None,
            visible_index: None,
            software: false,
            label: "the host CPU (no GPU involved)".to_string(),
            kernel: None,
            threads: Some(threads),
        };
        let result = who.measured(
            ColdStart::new(None, None, weights_ms, buffers_ms, m.first_batch_ms),
            &m,
            plan,
            "wall clock per batch (compute only: the data already lives in host memory)",
        );
        Ok((result, m.kept))
    }

    fn run_gpu(
        &self,
        p: &RunParams,
        plan: &Plan,
        stop: &AtomicBool,
    ) -> Result<(DeviceResult, Vec<f32>), EngineError> {
        let gpu = self.visible_gpu(p.visible_devices.as_deref())?;
        let (mlp, _) = self.model(p.model);
        let (m, cold, timestamps) =
            self.with_slot(&gpu, |gpus| run_on_slot(gpus, &gpu, &mlp, p, plan, stop))?;
        let method = timing_method(p.loop_style, timestamps);
        let entry = gpu.entry;
        let who = Identity {
            device: DeviceKind::Gpu,
            name: entry.name,
            backend: Some(entry.backend),
            physical_index: Some(entry.physical_index),
            visible_index: entry.visible_index,
            software: entry.software,
            label: entry.label,
            kernel: Some(p.kernel),
            threads: None,
        };
        Ok((who.measured(cold, &m, plan, &method), m.kept))
    }

    /// Runs `f` with the cached devices locked. A GPU failure may have lost
    /// the device, so its slot is dropped and the next request opens a fresh one.
    fn with_slot<T>(
        &self,
        gpu: &VisibleGpu<'_>,
        f: impl FnOnce(&mut HashMap<usize, GpuSlot>) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let mut gpus = lock(&self.gpus);
        let outcome = f(&mut gpus);
        match outcome {
            Err(EngineError::Gpu(_)) => {
                gpus.remove(&gpu.physical_index);
            }
            Err(EngineError::GpuTimeout { .. }) => {
                // A device that stopped answering may block in its destructor
                // (it waits for its queue): leak it rather than hang this
                // thread, the lock and every later job. Timeouts are rare and
                // each leaks one device.
                if let Some(slot) = gpus.remove(&gpu.physical_index) {
                    tracing::error!(adapter = %slot.ctx.info.name, "GPU wait timed out; the device is abandoned and reopened on the next job");
                    std::mem::forget(slot);
                }
            }
            _ => {}
        }
        outcome
    }

    /// Runs `f` on the device of the server's default visible GPU (visible
    /// index 0 under the server setting), opening it only when no run has
    /// yet, and dropping it on failure as a run's would be. `NoGpuVisible`
    /// when there is none.
    pub(crate) fn with_visible_context<T>(
        &self,
        f: impl FnOnce(&AdapterEntry, &GpuContext) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        let gpu = self.visible_gpu(None)?;
        self.with_slot(&gpu, |gpus| {
            let (slot, _) = open_slot(gpus, &gpu)?;
            f(&gpu.entry, &slot.ctx)
        })
    }

    /// Runs items `first_item .. first_item + count` as one batch on one
    /// device and returns the `count × out` outputs (row-major). For showing
    /// predictions and for checking backends against each other.
    pub fn infer(&self, p: &InferParams) -> Result<Vec<f32>, EngineError> {
        let limits = &self.config.limits;
        if p.count == 0 || p.count > limits.max_batch {
            return Err(EngineError::invalid(
                "count",
                format!(
                    "count = {} must be between 1 and {}",
                    p.count, limits.max_batch
                ),
            ));
        }
        if p.first_item > limits.max_n {
            return Err(EngineError::invalid(
                "first_item",
                format!("first_item must be at most {}", limits.max_n),
            ));
        }
        let (mlp, _) = self.model(p.model);
        let in_w = mlp.spec.input_width();
        let mut input = vec![0.0f32; p.count * in_w];
        fill_inputs(INPUT_SEED, p.first_item, p.count, in_w, &mut input);
        let mut out = vec![0.0f32; p.count * mlp.spec.output_width()];
        match p.device {
            DeviceChoice::Cpu => {
                let threads = match p.cpu_threads {
                    0 => default_threads(available_threads()),
                    t if t <= available_threads() => t,
                    t => {
                        return Err(EngineError::LimitExceeded {
                            field: "cpu_threads",
                            message: format!(
                                "cpu_threads = {t} exceeds the {} available cores",
                                available_threads()
                            ),
                        })
                    }
                };
                let mut runner = CpuRunner::new(mlp, threads, p.count);
                out.copy_from_slice(runner.forward(&input, p.count)?);
            }
            DeviceChoice::Gpu => {
                let gpu = self.visible_gpu(p.visible_devices.as_deref())?;
                self.with_slot(&gpu, |gpus| {
                    let (slot, pipeline, _) =
                        prepare_slot(gpus, &gpu, &mlp, p.model, p.kernel, p.count, 1)?;
                    let model = slot
                        .models
                        .get_mut(&p.model)
                        .ok_or_else(|| EngineError::Internal("GPU model vanished".into()))?;
                    let (ctx, n) = (&slot.ctx, p.count);
                    match p.loop_style {
                        LoopStyle::RoundTrips => {
                            model.run_batch(ctx, &pipeline, &input, n, &mut out)
                        }
                        LoopStyle::OneSubmit | LoopStyle::Pipelined => {
                            model.run_one_submit(ctx, &pipeline, &input, n, &mut out)
                        }
                    }
                })?;
            }
            DeviceChoice::Both => {
                return Err(EngineError::invalid(
                    "device",
                    "infer runs on one device: gpu or cpu",
                ));
            }
        }
        Ok(out)
    }
}

/// How a GPU run was timed, in the words the report shows.
fn timing_method(style: LoopStyle, timestamps: bool) -> String {
    let host = match style {
        LoopStyle::RoundTrips => {
            "round-trips: wall clock per phase (upload, compute and readback each submitted and waited for)"
        }
        LoopStyle::OneSubmit => {
            "one-submit: upload, kernels and readback in one command buffer and one wait, \
             so the whole round trip is shown as compute (upload and readback read 0)"
        }
        LoopStyle::Pipelined => {
            "pipelined: one submit per batch with up to 3 batches in flight; wall clock of the \
             submit and collect calls, shown as compute (upload and readback read 0)"
        }
    };
    if timestamps {
        format!("{host}; GPU timestamp queries for kernel time")
    } else {
        format!("{host}; this adapter has no timestamp queries")
    }
}

/// Which device produced a result, and how it is described.
struct Identity {
    device: DeviceKind,
    name: String,
    backend: Option<String>,
    physical_index: Option<usize>,
    visible_index: Option<usize>,
    software: bool,
    label: String,
    kernel: Option<Kernel>,
    threads: Option<usize>,
}

impl Identity {
    /// The device's result: its identity, cold start and measured throughput.
    fn measured(
        self,
        cold_start: ColdStart,
        m: &Measured,
        plan: &Plan,
        timing_method: &str,
    ) -> DeviceResult {
        let wall = Summary::from_ms(&m.wall_ms);
        let phases = m.phases();
        let total_flops = plan.n as f64 * plan.flops_per_item;
        let per_s = |ms: f64| if ms > 0.0 { 1e3 / ms } else { 0.0 };
        DeviceResult {
            device: self.device,
            name: self.name,
            backend: self.backend,
            physical_index: self.physical_index,
            visible_index: self.visible_index,
            software: self.software,
            label: self.label,
            kernel: self.kernel,
            threads: self.threads,
            cold_start,
            items_per_s: plan.n as f64 * per_s(wall.median_ms),
            gflops: total_flops * per_s(wall.median_ms) / 1e9,
            kernel_gflops: phases
                .kernel
                .as_ref()
                .map(|k| total_flops * per_s(k.median_ms) / 1e9),
            wall,
            phases,
            timing_method: timing_method.to_string(),
        }
    }
}

/// Opens/reuses the device, compiles/reuses the kernel, uploads/reuses the
/// weights, then measures. Returns the samples, the cold-start breakdown and
/// whether timestamps were used.
fn run_on_slot(
    gpus: &mut HashMap<usize, GpuSlot>,
    gpu: &VisibleGpu<'_>,
    mlp: &Arc<Mlp>,
    p: &RunParams,
    plan: &Plan,
    stop: &AtomicBool,
) -> Result<(Measured, ColdStart, bool), EngineError> {
    let depth = match p.loop_style {
        LoopStyle::Pipelined => PIPELINE_DEPTH,
        _ => 1,
    };
    let (slot, pipeline, setup) = prepare_slot(
        gpus,
        gpu,
        mlp,
        p.model,
        p.kernel,
        plan.batch.min(plan.n),
        depth,
    )?;
    let ctx = &slot.ctx;
    let model = slot
        .models
        .get_mut(&p.model)
        .ok_or_else(|| EngineError::Internal("GPU model vanished".into()))?;
    let timestamps = ctx.timestamps;
    let mut backend = GpuBackend {
        ctx,
        model,
        pipeline,
        loop_style: p.loop_style,
        in_width: plan.spec.input_width(),
    };
    let m = measure(&mut backend, plan, p.warmup, p.repeats, stop)?;
    let cold = ColdStart::new(
        setup.device_ms,
        setup.pipeline_ms,
        setup.weights_ms,
        setup.buffers_ms,
        m.first_batch_ms,
    );
    Ok((m, cold, timestamps))
}

/// Setup costs in ms: `None` when cached.
struct SetupMs {
    device_ms: Option<f64>,
    pipeline_ms: Option<f64>,
    weights_ms: Option<f64>,
    buffers_ms: f64,
}

/// The cached device of `gpu`, opened first when there is none, and how
/// long opening it took (`None` when it was cached).
fn open_slot<'a>(
    gpus: &'a mut HashMap<usize, GpuSlot>,
    gpu: &VisibleGpu<'_>,
) -> Result<(&'a mut GpuSlot, Option<f64>), EngineError> {
    Ok(match gpus.entry(gpu.physical_index) {
        Entry::Occupied(o) => (o.into_mut(), None),
        Entry::Vacant(v) => {
            let ctx = GpuContext::new(gpu.adapter, gpu.wait_limit)?;
            let ms = ctx.device_ms;
            (
                v.insert(GpuSlot {
                    ctx,
                    models: HashMap::new(),
                }),
                Some(ms),
            )
        }
    })
}

/// Opens/reuses the device, compiles/reuses the kernel, uploads/reuses the
/// weights and sizes `depth` sets of batch buffers for `rows` items.
fn prepare_slot<'a>(
    gpus: &'a mut HashMap<usize, GpuSlot>,
    gpu: &VisibleGpu<'_>,
    mlp: &Arc<Mlp>,
    preset: Preset,
    kernel: Kernel,
    rows: usize,
    depth: usize,
) -> Result<(&'a mut GpuSlot, Arc<KernelSet>, SetupMs), EngineError> {
    let (slot, device_ms) = open_slot(gpus, gpu)?;
    let ctx = &mut slot.ctx;
    let (pipeline, pipeline_ms) = ctx.pipelines.get(&ctx.device, &ctx.limits, kernel)?;
    let (model, weights_ms) = match slot.models.entry(preset) {
        Entry::Occupied(o) => (o.into_mut(), None),
        Entry::Vacant(v) => {
            let model = GpuModel::upload(ctx, mlp)?;
            let ms = model.upload_ms;
            (v.insert(model), Some(ms))
        }
    };
    let t = Instant::now();
    model.ensure_capacity(ctx, rows, depth)?;
    let buffers_ms = t.elapsed().as_secs_f64() * 1e3;
    // Measuring configurations is part of getting the kernel ready: its time
    // joins the compile time in the cold start.
    let mut pipeline_ms = pipeline_ms;
    if gpu.autotune.unwrap_or(!gpu.entry.software) && kernel == Kernel::Tiled {
        let (_, tuned_ms) = autotune::tune(ctx, &pipeline, model, rows)?;
        if tuned_ms > 0.0 {
            pipeline_ms = Some(pipeline_ms.unwrap_or(0.0) + tuned_ms);
        }
    }
    Ok((
        slot,
        pipeline,
        SetupMs {
            device_ms,
            pipeline_ms,
            weights_ms,
            buffers_ms,
        },
    ))
}
