//! CPU backend: per layer, one parallel region in which every thread
//! computes its own block of the output with single-threaded `gemm` calls,
//! bias and ReLU fused after each (see [`split`] for how the blocks are cut,
//! [`panels`] for the weight layout).
//!
//! Letting gemm parallelise itself makes its threads share and re-pack the
//! same weight panels and keeps b = 1 on one thread; owning disjoint output
//! strips (onnxruntime's approach) avoids both. Inside a block, gemm runs per
//! 16-column weight panel (rearranged once per model, read in place) and per
//! chunk of at most [`ROW_CHUNK`] items (a one-item chunk: one matrix-vector
//! call over the row-major strip); bias and ReLU are applied to each result
//! while it is still in L1. Activation buffers are allocated once for the
//! run's largest batch.

pub mod panels;
mod reference;
pub mod split;

use std::sync::Arc;

use gemm_common::Parallelism;

use crate::error::EngineError;
use crate::model::{Layer, Mlp};
use panels::PanelLayer;
pub use reference::reference_forward;
use split::Block;

/// Items per gemm call: the share of X one call streams per panel stays in
/// L2 (256 × 4 KB rows for `large`), and bigger batches re-read each panel
/// per chunk rather than X per panel. One thread, `large` layer 2, b = 1024
/// (bench-results/2026-11-26-lavapipe-2core/strip-layouts-microbench.txt):
/// 87.9 GFLOP/s per CPU-second, against 81.2 for one call over all items and
/// 85.2 / 86.2 / 85.3 for chunks of 64 / 128 / 512.
pub const ROW_CHUNK: usize = 256;

// Strips must start on a panel boundary (`run_block` asks for whole panels).
const _: () = assert!(split::COL_ALIGN.is_multiple_of(panels::PANEL));

pub struct CpuRunner {
    mlp: Arc<Mlp>,
    /// `mlp`'s weights as panels (shared with every runner of the model).
    panels: Arc<[PanelLayer]>,
    threads: usize,
    /// `threads` workers (none for one thread): a private pool, so a run's
    /// thread count is exactly what it asked for.
    pool: Option<rayon::ThreadPool>,
    /// Ping-pong activations, each `capacity × max_width`.
    bufs: [Vec<f32>; 2],
    capacity: usize,
}

/// The output pointer handed to the workers of one layer.
#[derive(Clone, Copy)]
struct OutPtr(*mut f32);
// SAFETY: the workers of a layer write disjoint blocks (split::blocks tiles
// the output exactly once) and the region ends before the buffer is read.
unsafe impl Send for OutPtr {}
unsafe impl Sync for OutPtr {}

impl CpuRunner {
    /// `threads`: how many threads share each layer (1 = the caller's only).
    pub fn new(mlp: Arc<Mlp>, threads: usize, max_batch: usize) -> CpuRunner {
        let width = mlp.spec.max_width();
        let threads = threads.max(1);
        panels::read_panels_in_place();
        let panels = panels::panels(&mlp);
        // A pool that cannot start leaves the runner single-threaded: slower, still correct.
        let pool = (threads > 1)
            .then(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("lab-cpu-{i}"))
                    .build()
                    .map_err(|e| tracing::warn!("CPU thread pool: {e}"))
                    .ok()
            })
            .flatten();
        CpuRunner {
            mlp,
            panels,
            threads: if pool.is_some() { threads } else { 1 },
            pool,
            bufs: [vec![0.0; max_batch * width], vec![0.0; max_batch * width]],
            capacity: max_batch,
        }
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs the model on `m` items of `input` (row-major `m × in`) and
    /// returns the `m × out` outputs (valid until the next call).
    pub fn forward(&mut self, input: &[f32], m: usize) -> Result<&[f32], EngineError> {
        let in_w = self.mlp.spec.input_width();
        if m > self.capacity || input.len() < m * in_w {
            return Err(EngineError::Internal(format!(
                "CPU batch of {m} items does not fit the buffers (capacity {}, input len {})",
                self.capacity,
                input.len()
            )));
        }
        let n_layers = self.mlp.layers.len();
        let [a, b] = &mut self.bufs;
        let mut cur = 0; // which buffer holds the current activations (after layer 0)
        for (l, (layer, packed)) in self.mlp.layers.iter().zip(self.panels.iter()).enumerate() {
            let (src, dst): (&[f32], &mut [f32]) = match (l, cur) {
                (0, _) => (input, &mut a[..]),
                (_, 0) => (&a[..], &mut b[..]),
                _ => (&b[..], &mut a[..]),
            };
            let (k, n) = (layer.inputs, layer.outputs);
            let src = &src[..m * k];
            let out = OutPtr(dst[..m * n].as_mut_ptr());
            let relu = l + 1 < n_layers;
            let blocks = split::blocks(m, k, n, self.threads);
            match (&self.pool, blocks.as_slice()) {
                (Some(pool), [_, _, ..]) => pool.scope(|s| {
                    for block in &blocks {
                        s.spawn(move |_| {
                            // SAFETY: see `run_block`; blocks are disjoint.
                            unsafe { run_block(layer, packed, src, out, m, block, relu) }
                        });
                    }
                }),
                _ => {
                    let all = Block {
                        rows: 0..m,
                        cols: 0..n,
                    };
                    // SAFETY: `out` covers m×n floats of `dst`, borrowed mutably here.
                    unsafe { run_block(layer, packed, src, out, m, &all, relu) }
                }
            }
            cur = if l == 0 { 0 } else { 1 - cur };
        }
        let out_w = self.mlp.spec.output_width();
        Ok(&self.bufs[cur][..m * out_w])
    }
}

/// `out[block] = act(src[block.rows] · W[:, block.cols] + bias[block.cols])`,
/// one single-threaded gemm per (chunk of rows, panel).
///
/// A chunk of one item goes to gemm's matrix-vector path in one call over
/// the row-major weights instead: that path loads, adds to and stores the
/// output column for every input, so one 16-wide panel per call leaves it
/// waiting on a short dependency chain, while a whole strip keeps many
/// independent (medium's first layer, warm caches: 11.3 against 6.5 GFLOP/s per thread).
///
/// # Safety
/// `out` points to an `m × layer.outputs` row-major buffer that nothing else
/// reads or writes inside `block` while this runs; `src` holds `m × inputs`;
/// `block.cols.start` is a multiple of [`panels::PANEL`].
unsafe fn run_block(
    layer: &Layer,
    packed: &PanelLayer,
    src: &[f32],
    out: OutPtr,
    m: usize,
    block: &Block,
    relu: bool,
) {
    let (k, n) = (layer.inputs, layer.outputs);
    debug_assert!(block.rows.end <= m && block.cols.end <= n && src.len() >= m * k);
    debug_assert!(block.cols.start.is_multiple_of(panels::PANEL));
    // SAFETY (pointer arithmetic below): rows stay below m and columns
    // below n, so every offset stays inside the m×n output and m×k input.
    for r0 in block.rows.clone().step_by(ROW_CHUNK) {
        let rows = ROW_CHUNK.min(block.rows.end - r0);
        let x = src.as_ptr().add(r0 * k);
        if rows == 1 {
            let c0 = block.cols.start;
            let dst = out.0.add(r0 * n + c0);
            let w = layer.weights.as_ptr().add(c0);
            product(dst, n, rows, block.cols.len(), k, x, w, n);
            bias_act(dst, n, rows, &layer.bias[block.cols.clone()], relu);
            continue;
        }
        for c0 in block.cols.clone().step_by(panels::PANEL) {
            let (panel, width) = packed.panel(c0);
            let dst = out.0.add(r0 * n + c0);
            product(dst, n, rows, width, k, x, panel.as_ptr(), width);
            bias_act(dst, n, rows, &layer.bias[c0..c0 + width], relu);
        }
    }
}

/// `dst = x · w` for `rows × width` results (row stride `n`), `x` rows of
/// `k` contiguous floats, `w` a `k × width` block with row stride `w_rs`.
#[allow(clippy::too_many_arguments)]
unsafe fn product(
    dst: *mut f32,
    n: usize,
    rows: usize,
    width: usize,
    k: usize,
    x: *const f32,
    w: *const f32,
    w_rs: usize,
) {
    // What `gemm::gemm` does for a row-major destination, without its facade
    // (which would compile kernels for three more types): gemm's kernel
    // prefers a column-major destination, so it computes dstᵀ = wᵀ · xᵀ.
    gemm_f32::gemm::f32::get_gemm_fn()(
        width,
        rows,
        k,
        dst,
        n as isize,
        1,
        false,
        w,
        w_rs as isize,
        1,
        x,
        k as isize,
        1,
        0.0f32,
        1.0f32,
        false,
        false,
        false,
        Parallelism::None,
    );
}

/// Adds the bias and applies ReLU to `rows × bias.len()` results (row
/// stride `n`) while they are still in L1.
unsafe fn bias_act(dst: *mut f32, n: usize, rows: usize, bias: &[f32], relu: bool) {
    for r in 0..rows {
        let row = std::slice::from_raw_parts_mut(dst.add(r * n), bias.len());
        for (v, b) in row.iter_mut().zip(bias) {
            let x = *v + b;
            *v = if relu { x.max(0.0) } else { x };
        }
    }
}
