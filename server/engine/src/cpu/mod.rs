//! CPU backend: per layer, one parallel region in which every thread
//! computes its own block of the output with a single-threaded `gemm`, bias
//! and ReLU fused around it (see [`split`] for how the blocks are cut).
//!
//! Letting gemm parallelise itself makes its threads share and re-pack the
//! same weight panels and keeps b = 1 on one thread; owning disjoint output
//! strips (onnxruntime's approach) avoids both. Each block's rows are
//! pre-filled with the bias and the GEMM accumulates into them
//! (`dst = dst + X·W`), and ReLU runs while the block is still in cache.
//! Activation buffers are allocated once for the run's largest batch.

mod reference;
pub mod split;

use std::sync::Arc;

use gemm::Parallelism;

use crate::error::EngineError;
use crate::model::{Layer, Mlp};
pub use reference::reference_forward;
use split::Block;

pub struct CpuRunner {
    mlp: Arc<Mlp>,
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
        for (l, layer) in self.mlp.layers.iter().enumerate() {
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
                            unsafe { run_block(layer, src, out, m, block, relu) }
                        });
                    }
                }),
                _ => {
                    let all = Block {
                        rows: 0..m,
                        cols: 0..n,
                    };
                    // SAFETY: `out` covers m×n floats of `dst`, borrowed mutably here.
                    unsafe { run_block(layer, src, out, m, &all, relu) }
                }
            }
            cur = if l == 0 { 0 } else { 1 - cur };
        }
        let out_w = self.mlp.spec.output_width();
        Ok(&self.bufs[cur][..m * out_w])
    }
}

/// `out[block] = act(src[block.rows] · W[:, block.cols] + bias[block.cols])`
/// with a single-threaded GEMM.
///
/// # Safety
/// `out` points to an `m × layer.outputs` row-major buffer that nothing else
/// reads or writes inside `block` while this runs; `src` holds `m × inputs`.
unsafe fn run_block(layer: &Layer, src: &[f32], out: OutPtr, m: usize, block: &Block, relu: bool) {
    let (k, n) = (layer.inputs, layer.outputs);
    let (rows, cols) = (block.rows.clone(), block.cols.clone());
    debug_assert!(rows.end <= m && cols.end <= n && src.len() >= m * k);
    let width = cols.len();
    // SAFETY (all pointer arithmetic below): rows < m and cols < n, so every
    // offset stays inside the m×n output, the m×k input and the k×n weights.
    let dst = out.0.add(rows.start * n + cols.start);
    for r in 0..rows.len() {
        let row = std::slice::from_raw_parts_mut(dst.add(r * n), width);
        row.copy_from_slice(&layer.bias[cols.clone()]);
    }
    gemm::gemm(
        rows.len(),
        width,
        k,
        dst,
        1,
        n as isize,
        true,
        src.as_ptr().add(rows.start * k),
        1,
        k as isize,
        layer.weights.as_ptr().add(cols.start),
        1,
        n as isize,
        1.0f32,
        1.0f32,
        false,
        false,
        false,
        Parallelism::None,
    );
    if relu {
        for r in 0..rows.len() {
            let row = std::slice::from_raw_parts_mut(dst.add(r * n), width);
            for v in row {
                *v = v.max(0.0);
            }
        }
    }
}
