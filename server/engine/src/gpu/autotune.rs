//! Autotune: which kernel configuration runs a layer shape fastest on this
//! adapter, measured once per device and shape class, then remembered for
//! the process's life (in the device's [`KernelSet`]).
//!
//! A shape class is a layer's exact K and N with the batch rows bucketed
//! (≤ 8, ≤ 32, ≤ 64, ≤ 256, more). For a class not seen yet, every compiled
//! configuration that can run the shape is timed by GPU timestamps (one
//! warm-up dispatch, then [`TIMED_DISPATCHES`] in one pass) on the model's
//! own buffers, the shape rule's choice first, and the fastest wins. Each
//! class gets [`BUDGET_PER_SHAPE`] of wall time: a candidate's timed
//! dispatches run only if their kernel time, estimated from its warm-up
//! dispatch, fits what is left, and the next candidate starts only if the
//! first one's full cost would; so a class overruns by at most one
//! candidate's warm-up plus estimation error. Without timestamp queries, or where every timing fails, the shape
//! rule ([`crate::gpu::kernels::choose`]) decides. The engine calls [`tune`]
//! while preparing an accepted run, never at start-up (`EngineConfig::autotune`:
//! by default hardware GPUs only; `LAB_AUTOTUNE=0` / `1` off / on everywhere).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::kernels::Config;
use crate::gpu::model::GpuModel;
use crate::gpu::pipeline::KernelSet;

/// Wall time one shape class may spend being measured.
pub const BUDGET_PER_SHAPE: Duration = Duration::from_millis(200);
/// Dispatches timed per candidate, after one warm-up dispatch.
pub const TIMED_DISPATCHES: u32 = 3;
/// Upper bounds of the batch-row buckets; rows above the last share one class.
pub const ROW_BUCKETS: [u32; 4] = [8, 32, 64, 256];

/// Layers that share an autotune decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShapeClass {
    /// The bucket's upper bound on the batch rows; `None` above the last.
    pub rows: Option<u32>,
    pub k: u32,
    pub n: u32,
}

impl ShapeClass {
    pub fn of(m: u32, k: u32, n: u32) -> ShapeClass {
        ShapeClass {
            rows: ROW_BUCKETS.iter().copied().find(|&b| m <= b),
            k,
            n,
        }
    }
}

impl fmt::Display for ShapeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rows {
            Some(b) => write!(f, "m ≤ {b}, {}→{}", self.k, self.n),
            None => write!(f, "m > {}, {}→{}", ROW_BUCKETS[3], self.k, self.n),
        }
    }
}

/// The decision for one shape class.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuned {
    pub shape: ShapeClass,
    pub config: Config,
    /// The batch rows the candidates were timed at.
    pub m: u32,
    /// Kernel ns per dispatch of each configuration timed, in timing order.
    pub timings: Vec<(Config, f64)>,
    /// Why fewer than all candidates were timed, if they were.
    pub note: Option<String>,
}

/// Autotune's choices on one device, and how many classes it has measured
/// (so a second run of the same shapes is seen to measure nothing).
#[derive(Default)]
pub struct Table {
    entries: Mutex<HashMap<ShapeClass, Tuned>>,
    measured: AtomicU64,
}

impl Table {
    /// The configuration measured for `shape`, if any.
    pub fn choice(&self, shape: ShapeClass) -> Option<Config> {
        let entries = self.entries.lock().ok()?;
        entries.get(&shape).map(|t| t.config)
    }

    /// Every decision so far, ordered by shape.
    pub fn entries(&self) -> Vec<Tuned> {
        let mut all: Vec<Tuned> = match self.entries.lock() {
            Ok(e) => e.values().cloned().collect(),
            Err(_) => Vec::new(),
        };
        all.sort_by_key(|t| t.shape);
        all
    }

    /// Shape classes measured on this device so far.
    pub fn shapes_measured(&self) -> u64 {
        self.measured.load(Ordering::Relaxed)
    }

    fn get(&self, shape: ShapeClass) -> Option<Tuned> {
        self.entries.lock().ok()?.get(&shape).cloned()
    }

    fn insert(&self, t: Tuned) {
        if let Ok(mut e) = self.entries.lock() {
            e.insert(t.shape, t);
            self.measured.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Makes sure every layer of `model` has a decision for `m` rows, measuring
/// the classes not seen yet. Returns the layers' decisions (input layer
/// first) and the milliseconds spent measuring now (0 when all were cached).
/// Without timestamp queries it measures nothing and returns no decisions.
pub fn tune(
    ctx: &GpuContext,
    kernels: &KernelSet,
    model: &mut GpuModel,
    m: usize,
) -> Result<(Vec<Tuned>, f64), EngineError> {
    tune_within(ctx, kernels, model, m, BUDGET_PER_SHAPE)
}

/// [`tune`] with another budget per shape class (tests use a roomy one so
/// that every candidate is timed even on a loaded software GPU).
pub fn tune_within(
    ctx: &GpuContext,
    kernels: &KernelSet,
    model: &mut GpuModel,
    m: usize,
    budget: Duration,
) -> Result<(Vec<Tuned>, f64), EngineError> {
    if !ctx.timestamps || m == 0 || m > model.capacity() {
        return Ok((Vec::new(), 0.0));
    }
    let start = Instant::now();
    let mut out = Vec::new();
    let mut measured_now = false;
    for (layer, (k, n)) in model.layer_shapes().into_iter().enumerate() {
        let shape = ShapeClass::of(m as u32, k, n);
        let tuned = match kernels.autotune.get(shape) {
            Some(t) => t,
            None => {
                let t = measure(ctx, kernels, model, layer, shape, m, budget)?;
                kernels.autotune.insert(t.clone());
                measured_now = true;
                t
            }
        };
        out.push(tuned);
    }
    let ms = if measured_now {
        start.elapsed().as_secs_f64() * 1e3
    } else {
        0.0
    };
    Ok((out, ms))
}

/// Times the candidates for one layer within the budget and picks the fastest.
fn measure(
    ctx: &GpuContext,
    kernels: &KernelSet,
    model: &mut GpuModel,
    layer: usize,
    shape: ShapeClass,
    m: usize,
    budget: Duration,
) -> Result<Tuned, EngineError> {
    let (mu, k, n) = (m as u32, shape.k, shape.n);
    let rule = kernels.rule(mu, k, n);
    let mut candidates = vec![rule];
    candidates.extend(
        kernels
            .configs()
            .into_iter()
            .filter(|&c| c != rule && c.handles(mu, k, n)),
    );
    let start = Instant::now();
    let mut timings = Vec::new();
    let mut note = None;
    // The first candidate's wall time in all: the estimate for the others.
    let mut per_candidate: Option<Duration> = None;
    for (i, &config) in candidates.iter().enumerate() {
        let Some(pipeline) = kernels.pipeline(config) else {
            continue;
        };
        if per_candidate.is_some_and(|c| start.elapsed() + c > budget) {
            note = Some(format!(
                "budget spent after {i} of {} candidates",
                candidates.len()
            ));
            break;
        }
        let t0 = Instant::now();
        let timed = model
            .time_layer(ctx, layer, config, pipeline, m, 1)
            .and_then(|warm| {
                // The warm-up's kernel time says whether the timed ones fit.
                let est = Duration::from_secs_f64(warm.unwrap_or(0.0) * 1e-9);
                if start.elapsed() + est * TIMED_DISPATCHES > budget {
                    return Ok(None);
                }
                model.time_layer(ctx, layer, config, pipeline, m, TIMED_DISPATCHES)
            });
        match timed {
            Ok(Some(ns)) => timings.push((config, ns)),
            Ok(None) => {
                note = Some(format!(
                    "budget spent in the warm-up of {} ({:.0} ms)",
                    config.name(),
                    t0.elapsed().as_secs_f64() * 1e3
                ));
                break;
            }
            Err(e @ EngineError::GpuTimeout { .. }) => return Err(e),
            Err(e) => tracing::warn!("autotune: {} failed on {shape}: {e}", config.name()),
        }
        per_candidate.get_or_insert(t0.elapsed());
    }
    let config = timings
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(rule, |&(c, _)| c);
    Ok(Tuned {
        shape,
        config,
        m: mu,
        timings,
        note,
    })
}
