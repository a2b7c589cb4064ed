//! The plain triple-loop forward pass the fast paths are tested against.

use crate::model::Mlp;

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
