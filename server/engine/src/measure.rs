//! The measurement loop, mirroring
//! `for batch in loader: out = model(batch.to(dev)); results.append(out.cpu())`.
//!
//! Input generation (the "data loader") is excluded from every timer, as if
//! it were prefetched by loader workers; what is timed is upload → compute →
//! readback of each batch, summed over the ceil(n/b) batches of a pass.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cpu::CpuRunner;
use crate::error::EngineError;
use crate::gpu::pipeline::KernelSet;
use crate::gpu::{BatchTimes, GpuContext, GpuModel};
use crate::limits::Plan;
use crate::model::fill_inputs;
use lab_types::LoopStyle;
use lab_types::Summary;
use lab_types::{Agreement, Phases};

/// Seed of the synthetic inputs (item i's features depend on it and i only).
pub const INPUT_SEED: u64 = 0x1AB5_EED5;
/// Outputs kept per device for the GPU-vs-CPU comparison.
pub const AGREEMENT_ITEMS: usize = 4096;

/// Something that runs one batch and says how long each phase took.
pub(crate) trait Backend {
    fn in_width(&self) -> usize;
    fn out_width(&self) -> usize;
    /// Runs `m` items of `input`, writes `m × out` floats to `out`.
    fn run_batch(
        &mut self,
        input: &[f32],
        m: usize,
        out: &mut [f32],
    ) -> Result<BatchTimes, EngineError>;
    /// Batches kept in flight; above 1, `measure` drives the backend with
    /// `submit` / `collect` instead of `run_batch`.
    fn depth(&self) -> usize {
        1
    }
    /// Starts a batch without waiting for it.
    fn submit(&mut self, _input: &[f32], _m: usize) -> Result<(), EngineError> {
        Err(EngineError::Internal(
            "this backend does not pipeline".into(),
        ))
    }
    /// Finishes the oldest batch in flight: writes its outputs to `out` and
    /// returns its item count and kernel time (when the device measured one).
    fn collect(&mut self, _out: &mut [f32]) -> Result<(usize, Option<f64>), EngineError> {
        Err(EngineError::Internal(
            "this backend does not pipeline".into(),
        ))
    }
    /// Batches submitted and not yet collected.
    fn in_flight(&self) -> usize {
        0
    }
}

pub(crate) struct CpuBackend {
    pub runner: CpuRunner,
    pub in_width: usize,
    pub out_width: usize,
}

impl Backend for CpuBackend {
    fn in_width(&self) -> usize {
        self.in_width
    }
    fn out_width(&self) -> usize {
        self.out_width
    }
    fn run_batch(
        &mut self,
        input: &[f32],
        m: usize,
        out: &mut [f32],
    ) -> Result<BatchTimes, EngineError> {
        let t = Instant::now();
        let y = self.runner.forward(input, m)?;
        out[..y.len()].copy_from_slice(y);
        Ok(BatchTimes {
            compute: t.elapsed(),
            ..Default::default()
        })
    }
}

pub(crate) struct GpuBackend<'a> {
    pub ctx: &'a GpuContext,
    pub model: &'a mut GpuModel,
    pub pipeline: Arc<KernelSet>,
    pub loop_style: LoopStyle,
    pub in_width: usize,
}

impl Backend for GpuBackend<'_> {
    fn in_width(&self) -> usize {
        self.in_width
    }
    fn out_width(&self) -> usize {
        self.model.out_width()
    }
    fn run_batch(
        &mut self,
        input: &[f32],
        m: usize,
        out: &mut [f32],
    ) -> Result<BatchTimes, EngineError> {
        let (ctx, pipeline) = (self.ctx, &self.pipeline);
        match self.loop_style {
            LoopStyle::RoundTrips => self.model.run_batch(ctx, pipeline, input, m, out),
            // A lone pipelined batch is a one-submit batch.
            LoopStyle::OneSubmit | LoopStyle::Pipelined => {
                self.model.run_one_submit(ctx, pipeline, input, m, out)
            }
        }
    }
    fn depth(&self) -> usize {
        match self.loop_style {
            LoopStyle::Pipelined => self.model.depth(),
            _ => 1,
        }
    }
    fn submit(&mut self, input: &[f32], m: usize) -> Result<(), EngineError> {
        self.model.submit(self.ctx, &self.pipeline, input, m)
    }
    fn collect(&mut self, out: &mut [f32]) -> Result<(usize, Option<f64>), EngineError> {
        self.model.collect(self.ctx, out)
    }
    fn in_flight(&self) -> usize {
        self.model.in_flight()
    }
}

/// Raw samples of one device's run.
pub(crate) struct Measured {
    pub first_batch_ms: f64,
    pub wall_ms: Vec<f64>,
    pub upload_ms: Vec<f64>,
    pub compute_ms: Vec<f64>,
    pub readback_ms: Vec<f64>,
    pub kernel_ms: Vec<f64>,
    /// Outputs of the first `min(n, AGREEMENT_ITEMS)` items (from the first pass).
    pub kept: Vec<f32>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Host-clock totals of one pass.
#[derive(Default)]
struct PassTimes {
    upload: Duration,
    compute: Duration,
    readback: Duration,
    kernel_ns: f64,
    /// Every batch of the pass had a kernel time.
    all_kernel: bool,
}

impl PassTimes {
    fn new() -> PassTimes {
        PassTimes {
            all_kernel: true,
            ..PassTimes::default()
        }
    }
    fn add_kernel(&mut self, k: Option<f64>) {
        match k {
            Some(k) => self.kernel_ns += k,
            None => self.all_kernel = false,
        }
    }
}

impl Measured {
    /// Keeps the outputs of the first pass's leading items for the comparison.
    fn keep(&mut self, pass: usize, keep: usize, out: &[f32]) {
        if pass == 0 && self.kept.len() < keep {
            let take = (keep - self.kept.len()).min(out.len());
            self.kept.extend_from_slice(&out[..take]);
        }
    }
}

/// `warmup` untimed passes, then `repeats` timed passes over all n items.
/// `stop` is checked before every batch: a cancelled job (its learner left,
/// the server shuts down) ends within one batch instead of running to the end.
pub(crate) fn measure(
    backend: &mut dyn Backend,
    plan: &Plan,
    warmup: usize,
    repeats: usize,
    stop: &AtomicBool,
) -> Result<Measured, EngineError> {
    let (in_w, out_w) = (backend.in_width(), backend.out_width());
    let rows = plan.batch.min(plan.n);
    // Buffers for one batch only: a run never holds all n items.
    let mut input = vec![0.0f32; rows * in_w];
    let mut out = vec![0.0f32; rows * out_w];
    let keep = plan.n.min(AGREEMENT_ITEMS) * out_w;
    let mut m = Measured {
        first_batch_ms: 0.0,
        wall_ms: Vec::with_capacity(repeats),
        upload_ms: Vec::with_capacity(repeats),
        compute_ms: Vec::with_capacity(repeats),
        readback_ms: Vec::with_capacity(repeats),
        kernel_ms: Vec::with_capacity(repeats),
        kept: Vec::with_capacity(keep),
    };
    let depth = backend.depth();
    for pass in 0..warmup + repeats {
        let mut t = PassTimes::new();
        for b in 0..plan.batches {
            if stop.load(Ordering::Relaxed) {
                return Err(EngineError::Stopped);
            }
            let first = b * plan.batch;
            let count = plan.batch.min(plan.n - first);
            fill_inputs(INPUT_SEED, first, count, in_w, &mut input);
            if depth > 1 && !(pass == 0 && b == 0) {
                pipelined_step(backend, &mut m, &mut t, pass, keep, &input, count, &mut out)?;
                continue;
            }
            // Synchronous (and the first batch of a pipelined run, so that
            // the cold first batch is timed alone in every loop style).
            let bt = backend.run_batch(&input, count, &mut out)?;
            if pass == 0 && b == 0 {
                m.first_batch_ms = ms(bt.upload + bt.compute + bt.readback);
            }
            m.keep(pass, keep, &out[..count * out_w]);
            t.upload += bt.upload;
            t.compute += bt.compute;
            t.readback += bt.readback;
            t.add_kernel(bt.kernel_ns);
        }
        // Drain the pipeline: the pass ends when its last output is on the host.
        let drain = Instant::now();
        while backend.in_flight() > 0 {
            collect_one(backend, &mut m, &mut t, pass, keep, &mut out)?;
        }
        t.compute += drain.elapsed();
        if pass >= warmup {
            m.wall_ms.push(ms(t.upload + t.compute + t.readback));
            m.upload_ms.push(ms(t.upload));
            m.compute_ms.push(ms(t.compute));
            m.readback_ms.push(ms(t.readback));
            if t.all_kernel {
                m.kernel_ms.push(t.kernel_ns / 1e6);
            }
        }
    }
    Ok(m)
}

/// One batch of a pipelined pass: when every slot is busy, collect the
/// oldest batch, then submit this one. Only these calls are timed; the
/// input generation before them is not (the data loader is excluded in
/// every style), though here the GPU keeps running earlier batches meanwhile,
/// as it would behind loader workers.
#[allow(clippy::too_many_arguments)]
fn pipelined_step(
    backend: &mut dyn Backend,
    m: &mut Measured,
    t: &mut PassTimes,
    pass: usize,
    keep: usize,
    input: &[f32],
    count: usize,
    out: &mut [f32],
) -> Result<(), EngineError> {
    let start = Instant::now();
    if backend.in_flight() >= backend.depth() {
        collect_one(backend, m, t, pass, keep, out)?;
    }
    backend.submit(input, count)?;
    t.compute += start.elapsed();
    Ok(())
}

fn collect_one(
    backend: &mut dyn Backend,
    m: &mut Measured,
    t: &mut PassTimes,
    pass: usize,
    keep: usize,
    out: &mut [f32],
) -> Result<(), EngineError> {
    let (count, kernel_ns) = backend.collect(out)?;
    t.add_kernel(kernel_ns);
    m.keep(pass, keep, &out[..count * backend.out_width()]);
    Ok(())
}

impl Measured {
    pub fn phases(&self) -> Phases {
        Phases {
            upload: Summary::from_ms(&self.upload_ms),
            compute: Summary::from_ms(&self.compute_ms),
            readback: Summary::from_ms(&self.readback_ms),
            kernel: (!self.kernel_ms.is_empty()).then(|| Summary::from_ms(&self.kernel_ms)),
        }
    }
}

/// Index of the largest value (first one on ties); `None` for an empty row.
fn argmax(row: &[f32]) -> Option<usize> {
    row.iter()
        .enumerate()
        .fold(None, |best: Option<(usize, f32)>, (i, &v)| match best {
            Some((_, bv)) if bv >= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}

/// Compares two devices' kept outputs item by item.
pub(crate) fn compare(a: &[f32], b: &[f32], out_w: usize, n: usize) -> Agreement {
    let items = (a.len().min(b.len()) / out_w.max(1)).min(n);
    let mut max_err = 0.0f64;
    let mut max_out = 0.0f64;
    let mut same = 0usize;
    for i in 0..items {
        let (ra, rb) = (
            &a[i * out_w..(i + 1) * out_w],
            &b[i * out_w..(i + 1) * out_w],
        );
        for (x, y) in ra.iter().zip(rb) {
            max_err = max_err.max((*x as f64 - *y as f64).abs());
            max_out = max_out.max((*x as f64).abs());
        }
        if argmax(ra) == argmax(rb) {
            same += 1;
        }
    }
    Agreement {
        items_compared: items,
        all_items: items == n,
        max_abs_error: max_err,
        max_abs_output: max_out,
        argmax_agreement: if items == 0 {
            0.0
        } else {
            same as f64 / items as f64
        },
        matches: items > 0 && max_err <= 1e-3 * max_out.max(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), Some(1));
        assert_eq!(argmax(&[]), None);
    }

    #[test]
    fn compare_counts_argmax_and_error() {
        let a = [0.0, 1.0, 2.0, 0.0];
        let b = [0.0, 1.5, 0.5, 1.0];
        let r = compare(&a, &b, 2, 2);
        assert_eq!(r.items_compared, 2);
        assert!((r.max_abs_error - 1.5).abs() < 1e-12);
        assert_eq!(r.argmax_agreement, 0.5);
        assert!(!r.matches);
    }
}
