//! The kernel playground: a learner's WGSL kernel compiled (checked, bounded),
//! run on every test size of a puzzle, compared with the CPU reference, and,
//! when correct, timed beside the engine's own kernels on the same adapter.
//!
//! It has its own device, so a learner's kernel that breaks it never costs
//! the lab's experiments their uploaded models; a failed or hung device is
//! dropped (or abandoned) and the next kernel opens a fresh one. The server
//! calls all of this only inside its sandbox processes (`server/src/sandbox`),
//! whose memory limit and deadline bound whatever these checks let through.

pub mod bounds;
pub mod compile;
pub mod lexical;
mod loop_bound;
mod reference;
mod run;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use lab_types::{
    CompileError, Dispatch, KernelTiming, PuzzleOutcome, PuzzleReference, PuzzleSize, PuzzleTask,
    Summary,
};

use crate::engine::{Engine, VisibleGpu};
use crate::error::EngineError;
use crate::gpu::kernels::Config;
use crate::gpu::GpuContext;
use compile::Refusal;
pub use compile::{loop_budget, KernelLimits, MAX_INVOCATIONS, MAX_SOURCE_BYTES};
pub use loop_bound::MAX_LOOP_ITERATIONS;
use run::{PipelineError, Problem, Shader};

/// Most floats one buffer of a problem may hold (16 MiB).
pub const MAX_BUFFER_FLOATS: usize = 1 << 22;
/// Most sizes one puzzle is checked on.
pub const MAX_SIZES: usize = 8;
/// Most workgroups along one dimension (WebGPU's default limit).
pub const MAX_WORKGROUPS_PER_DIMENSION: u32 = 65_535;

/// The playground's device and the built-in kernels' timings measured on it.
pub(crate) struct PlaygroundDevice {
    physical_index: usize,
    ctx: GpuContext,
    builtins: HashMap<(PuzzleReference, u32, u32, u32), Vec<KernelTiming>>,
}

#[derive(Default)]
pub(crate) struct PlaygroundSlot(Mutex<Option<PlaygroundDevice>>);

impl PlaygroundSlot {
    fn lock(&self) -> MutexGuard<'_, Option<PlaygroundDevice>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn limit(field: &'static str, message: String) -> EngineError {
    EngineError::LimitExceeded { field, message }
}

/// Workgroups to launch for `size` with `workgroup_size`, within the bounds.
pub fn dispatch(
    reference: PuzzleReference,
    size: PuzzleSize,
    workgroup_size: [u32; 3],
) -> Result<[u32; 3], EngineError> {
    let groups = match reference.dispatch() {
        Dispatch::Elements => [size.n.div_ceil(workgroup_size[0].max(1)), 1, 1],
        Dispatch::OneWorkgroup => [1, 1, 1],
        Dispatch::Matrix => [
            size.n.div_ceil(workgroup_size[0].max(1)),
            size.m.div_ceil(workgroup_size[1].max(1)),
            1,
        ],
    };
    if let Some(&g) = groups.iter().find(|&&g| g > MAX_WORKGROUPS_PER_DIMENSION) {
        return Err(limit(
            "dispatch",
            format!(
                "at {size} this workgroup size needs {g} workgroups along one dimension; at most \
                 {MAX_WORKGROUPS_PER_DIMENSION} are allowed: use a larger @workgroup_size"
            ),
        ));
    }
    Ok(groups)
}

/// Checks a task's sizes (the puzzle's) against the bounds.
fn check_sizes(task: &PuzzleTask) -> Result<(), EngineError> {
    if task.sizes.is_empty() || task.sizes.len() > MAX_SIZES {
        return Err(limit(
            "sizes",
            format!("a puzzle has 1 to {MAX_SIZES} sizes"),
        ));
    }
    for &s in &task.sizes {
        let lengths = reference::lengths(task.reference, s);
        let too_big = [s.m as usize, s.k as usize, s.n as usize]
            .iter()
            .any(|&d| d == 0 || d > MAX_BUFFER_FLOATS)
            || lengths.iter().any(|&l| l > MAX_BUFFER_FLOATS);
        if too_big {
            return Err(limit(
                "sizes",
                format!("{s}: every dimension must be positive and every buffer at most {MAX_BUFFER_FLOATS} floats"),
            ));
        }
    }
    Ok(())
}

/// What was checked before the device: a kernel to run, or the outcome already.
enum Prepared {
    Run(Box<compile::Checked>),
    Done(PuzzleOutcome),
}

fn prepare(task: &PuzzleTask, limits: KernelLimits) -> Result<Prepared, EngineError> {
    check_sizes(task)?;
    match compile::check(task, limits) {
        Ok(c) => Ok(Prepared::Run(Box::new(c))),
        Err(Refusal::Limit { field, message }) => Err(limit(field, message)),
        Err(Refusal::Compile(e)) => Ok(Prepared::Done(PuzzleOutcome::CompileError(e))),
    }
}

/// Everything that can be said about a kernel without a device, under
/// `limits`: `Err` for a bound it breaks, `Ok(Some(_))` for a compile error,
/// `Ok(None)`: it may be queued. Needs no adapter (the sandbox's checker
/// process opens none).
pub fn check(task: &PuzzleTask, limits: KernelLimits) -> Result<Option<CompileError>, EngineError> {
    match prepare(task, limits)? {
        Prepared::Done(PuzzleOutcome::CompileError(e)) => Ok(Some(e)),
        _ => Ok(None),
    }
}

impl Engine {
    /// The bounds a kernel gets on the first GPU under `visibility`.
    pub fn kernel_limits(&self, visibility: Option<&str>) -> KernelLimits {
        KernelLimits::for_adapter(self.gpu_is_software(visibility))
    }

    /// [`check`] under the limits of this engine's GPU.
    pub fn check_puzzle(&self, task: &PuzzleTask) -> Result<Option<CompileError>, EngineError> {
        check(task, self.kernel_limits(None))
    }

    /// Opens the playground's device ahead of the first kernel (a sandbox
    /// process does it at start-up, so no kernel's deadline pays for it).
    pub fn open_playground(&self, visibility: Option<&str>) -> Result<String, EngineError> {
        let gpu = self.visible_gpu(visibility)?;
        let mut slot = self.playground.lock();
        open_device(&mut slot, &gpu)?;
        Ok(gpu.entry.name.clone())
    }

    /// Checks and, when correct, times a learner's kernel on the first
    /// visible GPU (blocking: call from a blocking thread).
    pub fn run_puzzle(
        &self,
        task: &PuzzleTask,
        visibility: Option<&str>,
    ) -> Result<PuzzleOutcome, EngineError> {
        let checked = match prepare(task, self.kernel_limits(visibility))? {
            Prepared::Done(outcome) => return Ok(outcome),
            Prepared::Run(c) => c,
        };
        let gpu = self.visible_gpu(visibility)?;
        let mut slot = self.playground.lock();
        let outcome = on_device(&mut slot, &gpu, task, checked);
        match &outcome {
            Err(EngineError::Gpu(_)) => *slot = None,
            Err(EngineError::GpuTimeout { .. }) => {
                // Dropping a device that stopped answering may block: leak it
                // (as the lab's runs do) and open a fresh one next time.
                if let Some(d) = slot.take() {
                    tracing::error!(adapter = %d.ctx.info.name, "playground kernel timed out; its device is abandoned");
                    std::mem::forget(d);
                }
            }
            _ => {}
        }
        outcome
    }
}

/// The playground device for `gpu`, opened unless it already is.
fn open_device<'s>(
    slot: &'s mut Option<PlaygroundDevice>,
    gpu: &VisibleGpu<'_>,
) -> Result<&'s mut PlaygroundDevice, EngineError> {
    if slot.as_ref().map(|d| d.physical_index) != Some(gpu.physical_index) {
        *slot = Some(PlaygroundDevice {
            physical_index: gpu.physical_index,
            ctx: GpuContext::new(gpu.adapter, gpu.wait_limit)?,
            builtins: HashMap::new(),
        });
    }
    slot.as_mut()
        .ok_or_else(|| EngineError::Internal("playground device missing".into()))
}

fn on_device(
    slot: &mut Option<PlaygroundDevice>,
    gpu: &VisibleGpu<'_>,
    task: &PuzzleTask,
    checked: Box<compile::Checked>,
) -> Result<PuzzleOutcome, EngineError> {
    let device = open_device(slot, gpu)?;
    let ctx = &device.ctx;
    let adapter = gpu.entry.name.clone();
    let workgroup_size = checked.workgroup_size;
    let groups = checked.groups;
    let pipeline = match run::pipeline(ctx, Shader::Learner(Box::new(checked.module))) {
        Ok(p) => p,
        Err(PipelineError::Rejected(message)) => {
            return Ok(PuzzleOutcome::CompileError(CompileError {
                line: None,
                column: None,
                message,
            }))
        }
        Err(PipelineError::Engine(e)) => return Err(e),
    };

    let mut checks = Vec::with_capacity(task.sizes.len());
    let mut last = None;
    for (&size, &g) in task.sizes.iter().zip(&groups) {
        let problem = Problem::new(ctx, task.reference, size)?;
        let got = problem.run(ctx, &pipeline, g)?;
        let check = reference::compare(size, &problem.expected, &problem.scale, &got);
        let wrong = check.first_mismatch.is_some();
        checks.push(check);
        if wrong {
            return Ok(PuzzleOutcome::Wrong { adapter, checks });
        }
        last = Some((size, g, problem));
    }
    let (size, g, problem) =
        last.ok_or_else(|| EngineError::Internal("a puzzle without sizes".into()))?;
    let timing = timed(
        "your kernel",
        task.reference,
        size,
        problem.time(ctx, &pipeline, g)?,
    );
    let key = (task.reference, size.m, size.k, size.n);
    let builtins = match device.builtins.get(&key) {
        Some(b) => b.clone(),
        None => {
            let b = builtins(ctx, task.reference, size, &problem)?;
            device.builtins.insert(key, b.clone());
            b
        }
    };
    Ok(PuzzleOutcome::Correct {
        adapter,
        checks,
        timing,
        builtins,
        workgroup_size,
    })
}

fn timed(
    name: &str,
    r: PuzzleReference,
    size: PuzzleSize,
    (summary, method): (Summary, &str),
) -> KernelTiming {
    let seconds = summary.median_ms / 1e3;
    let work = reference::work(r, size);
    KernelTiming {
        name: name.to_string(),
        summary,
        rate: if seconds > 0.0 {
            work / seconds / 1e9
        } else {
            0.0
        },
        unit: r.rate_unit(),
        method: method.into(),
    }
}

/// The engine's naive and tiled kernels on the same problem (matrix puzzles
/// only: they compute `relu?(x · w + bias)` with the same bindings).
fn builtins(
    ctx: &GpuContext,
    r: PuzzleReference,
    size: PuzzleSize,
    problem: &Problem,
) -> Result<Vec<KernelTiming>, EngineError> {
    if r.dispatch() != Dispatch::Matrix {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (name, config) in [
        ("built-in naive", Config::Naive),
        ("built-in tiled", Config::TILED64),
    ] {
        let pipeline = match run::pipeline(ctx, Shader::Builtin(&config.wgsl())) {
            Ok(p) => p,
            Err(PipelineError::Rejected(m)) => {
                return Err(EngineError::Internal(format!(
                    "{name} did not compile: {m}"
                )))
            }
            Err(PipelineError::Engine(e)) => return Err(e),
        };
        let (rows, cols) = config.tile();
        let groups = [size.n.div_ceil(cols), size.m.div_ceil(rows), 1];
        out.push(timed(name, r, size, problem.time(ctx, &pipeline, groups)?));
    }
    Ok(out)
}
