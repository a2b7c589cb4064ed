//! The MLP: shapes, presets, deterministic weights and inputs.
//!
//! Weights are stored per layer as a row-major `in × out` matrix (so a batch
//! `X (b × in)` times `W` gives `b × out`), which is the layout both the CPU
//! GEMM and the WGSL kernels read.

use lab_types::Preset;
use serde::Serialize;

/// An MLP described by its layer widths (`widths[0]` = input features).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelSpec {
    pub widths: Vec<usize>,
}

impl ModelSpec {
    /// The shape of a preset.
    pub fn of(preset: Preset) -> ModelSpec {
        ModelSpec {
            widths: preset.widths().to_vec(),
        }
    }
    pub fn input_width(&self) -> usize {
        self.widths.first().copied().unwrap_or(0)
    }
    pub fn output_width(&self) -> usize {
        self.widths.last().copied().unwrap_or(0)
    }
    /// Widest activation (bounds the ping-pong activation buffers).
    pub fn max_width(&self) -> usize {
        self.widths.iter().copied().max().unwrap_or(0)
    }
    /// `(in, out)` per layer.
    pub fn layers(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.widths.windows(2).map(|w| (w[0], w[1]))
    }
    pub fn num_layers(&self) -> usize {
        self.widths.len().saturating_sub(1)
    }
    /// FLOPs for one item: a multiply and an add per weight, i.e. `2·in·out`
    /// per layer. Bias and ReLU are not counted (they are O(out), noise).
    /// This is the convention GFLOP/s figures everywhere in the lab use.
    pub fn flops_per_item(&self) -> f64 {
        self.layers().map(|(i, o)| 2.0 * i as f64 * o as f64).sum()
    }
    pub fn num_params(&self) -> usize {
        self.layers().map(|(i, o)| i * o + o).sum()
    }
}

/// One dense layer's parameters: `weights` is row-major `inputs × outputs`.
#[derive(Debug, Clone)]
pub struct Layer {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

/// An MLP with concrete, deterministic fp32 weights (host copy; the GPU
/// backend uploads it once per device).
#[derive(Debug, Clone)]
pub struct Mlp {
    pub spec: ModelSpec,
    pub layers: Vec<Layer>,
}

impl Mlp {
    /// Builds weights from `seed`. Uniform in ±sqrt(3/fan_in) (variance
    /// 1/fan_in) so activations stay O(1) through the depth; biases are small
    /// so that ReLU actually clips about half the units.
    pub fn new(spec: ModelSpec, seed: u64) -> Mlp {
        let layers = spec
            .layers()
            .enumerate()
            .map(|(l, (inputs, outputs))| {
                let scale = (3.0 / inputs as f32).sqrt();
                let mut rng =
                    SplitMix64::new(seed ^ 0xA076_1D64_78BD_642F_u64.wrapping_mul(l as u64 + 1));
                let weights = (0..inputs * outputs)
                    .map(|_| rng.next_signed_unit() * scale)
                    .collect();
                let bias = (0..outputs).map(|_| rng.next_signed_unit() * 0.1).collect();
                Layer {
                    inputs,
                    outputs,
                    weights,
                    bias,
                }
            })
            .collect();
        Mlp { spec, layers }
    }

    pub fn preset(preset: Preset, seed: u64) -> Mlp {
        Mlp::new(ModelSpec::of(preset), seed)
    }
}

/// Fills `out` with the inputs of items `first .. first + count`: each item's
/// features depend only on `(seed, item index)`, so any batching of a run
/// sees identical data and no run ever materialises all n items.
pub fn fill_inputs(seed: u64, first: usize, count: usize, width: usize, out: &mut [f32]) {
    for (j, item) in out[..count * width].chunks_exact_mut(width).enumerate() {
        let item_seed = splitmix(seed ^ splitmix((first + j) as u64 ^ 0x5851_F42D_4C95_7F2D));
        // One 64-bit hash gives four 16-bit features: plenty of resolution
        // for inputs, and cheap enough that data "loading" stays negligible.
        for (q, quad) in item.chunks_mut(4).enumerate() {
            let mut h = splitmix(item_seed.wrapping_add(q as u64));
            for v in quad {
                *v = (h & 0xFFFF) as f32 / 32768.0 - 1.0;
                h >>= 16;
            }
        }
    }
}

/// SplitMix64 finaliser: a good 64-bit mix for counters.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Tiny deterministic PRNG (no `rand` dependency needed).
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix(self.0)
    }
    /// Uniform in [-1, 1).
    fn next_signed_unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_do_not_depend_on_batching() {
        let w = 7;
        let mut all = vec![0.0; 10 * w];
        fill_inputs(1, 0, 10, w, &mut all);
        let mut part = vec![0.0; 3 * w];
        fill_inputs(1, 4, 3, w, &mut part);
        assert_eq!(&all[4 * w..7 * w], &part[..]);
        assert!(all.iter().all(|v| (-1.0..1.0).contains(v)));
    }

    #[test]
    fn flops_count_two_per_weight() {
        assert_eq!(
            ModelSpec::of(Preset::Tiny).flops_per_item(),
            2.0 * (64.0 * 128.0 + 128.0 * 10.0)
        );
    }

    #[test]
    fn weights_are_deterministic_and_scaled() {
        let a = Mlp::preset(Preset::Tiny, 3);
        let b = Mlp::preset(Preset::Tiny, 3);
        assert_eq!(a.layers[0].weights, b.layers[0].weights);
        let bound = (3.0f32 / 64.0).sqrt();
        assert!(a.layers[0].weights.iter().all(|w| w.abs() <= bound));
    }
}
