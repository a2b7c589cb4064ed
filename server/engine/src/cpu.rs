//! CPU backend: one `gemm` call per layer, bias and ReLU fused around it.
//!
//! The output rows are pre-filled with the bias and the GEMM accumulates
//! into them (`dst = dst + X·W`), so bias costs no extra pass; ReLU is applied
//! while the freshly written tile is still in cache. Activation buffers are
//! allocated once for the run's largest batch and reused.

use std::sync::Arc;

use gemm::Parallelism;

use crate::error::EngineError;
use crate::model::Mlp;

pub struct CpuRunner {
    mlp: Arc<Mlp>,
    threads: usize,
    /// Ping-pong activations, each `capacity × max_width`.
    bufs: [Vec<f32>; 2],
    capacity: usize,
}

impl CpuRunner {
    /// `threads`: 1 = single-threaded GEMM, more = rayon with that many tasks.
    pub fn new(mlp: Arc<Mlp>, threads: usize, max_batch: usize) -> CpuRunner {
        let width = mlp.spec.max_width();
        CpuRunner {
            mlp,
            threads: threads.max(1),
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
            // Below ~2M multiply-adds, waking other threads costs more than it saves.
            let par = if self.threads <= 1 || m * k * n < (1 << 21) {
                Parallelism::None
            } else {
                Parallelism::Rayon(self.threads)
            };
            let out = &mut dst[..m * n];
            for row in out.chunks_exact_mut(n) {
                row.copy_from_slice(&layer.bias);
            }
            // SAFETY: `src` holds at least m×k floats (checked above for the
            // input, by construction for the activation buffers sized
            // capacity × max_width), `out` holds m×n, W holds k×n, and the
            // strides describe exactly those row-major layouts; src and out
            // never alias (distinct Vecs / the caller's input).
            unsafe {
                gemm::gemm(
                    m,
                    n,
                    k,
                    out.as_mut_ptr(),
                    1,
                    n as isize,
                    true,
                    src.as_ptr(),
                    1,
                    k as isize,
                    layer.weights.as_ptr(),
                    1,
                    n as isize,
                    1.0f32,
                    1.0f32,
                    false,
                    false,
                    false,
                    par,
                );
            }
            if l + 1 < n_layers {
                for v in out.iter_mut() {
                    *v = v.max(0.0);
                }
            }
            cur = if l == 0 { 0 } else { 1 - cur };
        }
        let out_w = self.mlp.spec.output_width();
        Ok(&self.bufs[cur][..m * out_w])
    }
}

/// Plain triple-loop reference (f64 accumulation): the ground truth the
/// tests hold the GEMM path and the GPU kernels against.
pub fn reference_forward(mlp: &Mlp, input: &[f32], m: usize) -> Vec<f32> {
    let mut act: Vec<f32> = input[..m * mlp.spec.input_width()].to_vec();
    let n_layers = mlp.layers.len();
    for (l, layer) in mlp.layers.iter().enumerate() {
        let (k, n) = (layer.inputs, layer.outputs);
        let mut out = vec![0.0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut acc = layer.bias[j] as f64;
                for p in 0..k {
                    acc += act[i * k + p] as f64 * layer.weights[p * n + j] as f64;
                }
                let v = acc as f32;
                out[i * n + j] = if l + 1 < n_layers { v.max(0.0) } else { v };
            }
        }
        act = out;
    }
    act
}
