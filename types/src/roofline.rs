//! The roofline model (Williams, Waterman and Patterson, "Roofline: an
//! insightful visual performance model for multicore architectures", CACM
//! 52(4), 2009): a kernel of arithmetic intensity `I` (FLOPs per byte of
//! memory traffic) on a device with peak `P` (FLOP/s) and memory bandwidth
//! `B` (bytes/s) can reach at most `min(P, B × I)`. Below the ridge point
//! `I = P / B` the memory roof bounds it, above it the compute roof.
//!
//! Here: the work of the lab's MLP and of the puzzles (pure functions, the
//! same on the server and in the browser), each device's measured roofs, and
//! where a measurement lands under them.

use serde::{Deserialize, Serialize};

use crate::puzzle::{PuzzleReference, PuzzleSize};
use crate::report::DeviceKind;

/// Bytes per value at fp32.
pub const FP32_BYTES: f64 = 4.0;

/// Arithmetic and the least memory traffic it needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Work {
    /// Floating-point operations (a multiply-add counts as two).
    pub flops: f64,
    /// Bytes that must cross the memory bus at least once: every input and
    /// weight read once, every output written once, nothing re-read.
    pub bytes: f64,
}

impl Work {
    /// FLOPs per byte (0 when no bytes move).
    pub fn intensity(&self) -> f64 {
        if self.bytes > 0.0 {
            self.flops / self.bytes
        } else {
            0.0
        }
    }
}

impl std::ops::Add for Work {
    type Output = Work;
    fn add(self, o: Work) -> Work {
        Work {
            flops: self.flops + o.flops,
            bytes: self.bytes + o.bytes,
        }
    }
}

/// FLOPs of one dense layer (`in → out`) at batch `b`: `2·b·in·out` (one
/// multiply and one add per weight per item; bias and ReLU not counted, as
/// in the runs' GFLOP/s).
pub fn layer_flops(b: usize, inputs: usize, outputs: usize) -> f64 {
    2.0 * b as f64 * inputs as f64 * outputs as f64
}

/// The least bytes one dense layer moves at fp32 and batch `b`:
/// `4·(in·out + b·in + b·out)`: the weights once, the batch's inputs once,
/// its outputs once (the bias, `4·out`, is left out like its FLOPs).
pub fn layer_min_bytes(b: usize, inputs: usize, outputs: usize) -> f64 {
    let (b, i, o) = (b as f64, inputs as f64, outputs as f64);
    FP32_BYTES * (i * o + b * i + b * o)
}

/// One layer's work at batch `b`.
pub fn layer_work(b: usize, inputs: usize, outputs: usize) -> Work {
    Work {
        flops: layer_flops(b, inputs, outputs),
        bytes: layer_min_bytes(b, inputs, outputs),
    }
}

/// A whole MLP (`widths`, input first) at batch `b`: its layers' FLOPs and
/// bytes summed, each layer reading its input from memory and writing its
/// output back (a kernel per layer, as the lab runs it).
pub fn model_work(widths: &[usize], b: usize) -> Work {
    widths
        .windows(2)
        .map(|w| layer_work(b, w[0], w[1]))
        .fold(Work::default(), |a, l| a + l)
}

/// A puzzle kernel's work at one size, counted as the puzzle's rate is:
/// map `y = 2x + 1` is a multiply-add (2 FLOPs) per 8 bytes, zip one add
/// per 12 bytes, sum one add per 4 bytes; the matrix puzzles `2·m·k·n`
/// FLOPs over `4·(m·k + k·n + m·n)` bytes, plus the bias (`4·n`) where the
/// kernel adds one.
pub fn puzzle_work(reference: PuzzleReference, size: PuzzleSize) -> Work {
    let (m, k, n) = (size.m as f64, size.k as f64, size.n as f64);
    let b = FP32_BYTES;
    match reference {
        PuzzleReference::Map => Work {
            flops: 2.0 * n,
            bytes: 2.0 * b * n,
        },
        PuzzleReference::Zip => Work {
            flops: n,
            bytes: 3.0 * b * n,
        },
        PuzzleReference::Sum => Work {
            flops: n,
            bytes: b * (n + 1.0),
        },
        PuzzleReference::Matmul => Work {
            flops: 2.0 * m * k * n,
            bytes: b * (m * k + k * n + m * n),
        },
        PuzzleReference::LinearRelu | PuzzleReference::Linear => Work {
            flops: 2.0 * m * k * n,
            bytes: b * (m * k + k * n + m * n + n),
        },
    }
}

/// Median and spread of repeated measurements of one rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Spread {
    pub samples: usize,
    pub median: f64,
    pub p10: f64,
    pub p90: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// The spread of `samples` (non-finite ones dropped; none gives zeros).
    pub fn of(samples: &[f64]) -> Spread {
        let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if s.is_empty() {
            return Spread::default();
        }
        s.sort_by(|a, b| a.total_cmp(b));
        let p = |q| crate::stats::percentile_sorted(&s, q);
        Spread {
            samples: s.len(),
            median: p(0.5),
            p10: p(0.1),
            p90: p(0.9),
            min: s[0],
            max: s[s.len() - 1],
        }
    }

    /// The p10–p90 range as a share of the median (0.12 = ±6 % around it, roughly).
    pub fn relative_width(&self) -> f64 {
        if self.median > 0.0 {
            (self.p90 - self.p10) / self.median
        } else {
            0.0
        }
    }
}

/// One roof: a height and how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roof {
    /// GFLOP/s (compute roof) or GB/s (memory roof): the median of the
    /// samples when measured.
    pub value: f64,
    /// The samples' spread; `None` when the value comes from a datasheet.
    pub spread: Option<Spread>,
    /// How it was measured (or where it comes from), in words.
    pub method: String,
}

/// What bounds a kernel at its intensity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// Below the ridge point: memory bandwidth × intensity.
    Memory,
    /// At or above it: peak arithmetic.
    Compute,
}

impl Bound {
    pub fn name(self) -> &'static str {
        match self {
            Bound::Memory => "memory",
            Bound::Compute => "compute",
        }
    }
}

/// A device's two roofs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceRoofs {
    pub device: DeviceKind,
    /// The adapter's name, or "CPU, N threads".
    pub name: String,
    /// A software GPU (lavapipe): its roofs are the CPU's, through a driver.
    pub software: bool,
    /// Peak fp32 arithmetic, GFLOP/s.
    pub compute: Roof,
    /// Streaming memory bandwidth, GB/s.
    pub memory: Roof,
    /// The largest cache the host CPU reports (its last level), in bytes,
    /// when known: data smaller than this may be re-read from cache, faster
    /// than the memory roof.
    pub cache_bytes: Option<u64>,
    /// How long measuring both roofs took, ms.
    pub took_ms: f64,
}

/// Where one measurement lands under a device's roofs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    pub intensity: f64,
    pub gflops: f64,
    /// The roof that bounds this intensity.
    pub bound: Bound,
    /// That roof's height here, GFLOP/s: `min(peak, bandwidth × intensity)`.
    pub roof_gflops: f64,
    /// `gflops / roof_gflops` (above 1: the point lies above the roof).
    pub fraction: f64,
}

impl Placement {
    /// Above the roof by more than rounding: the model or a measurement is off.
    pub fn above_roof(&self) -> bool {
        self.fraction > 1.0 + 1e-9
    }
}

impl DeviceRoofs {
    /// The ridge point, FLOPs per byte: where the two roofs meet.
    pub fn ridge(&self) -> f64 {
        if self.memory.value > 0.0 {
            self.compute.value / self.memory.value
        } else {
            f64::INFINITY
        }
    }

    /// The roof at `intensity`, GFLOP/s (GB/s × FLOP/B = GFLOP/s).
    pub fn attainable(&self, intensity: f64) -> f64 {
        (self.memory.value * intensity).min(self.compute.value)
    }

    pub fn bound(&self, intensity: f64) -> Bound {
        if intensity < self.ridge() {
            Bound::Memory
        } else {
            Bound::Compute
        }
    }

    /// Places a measurement of `gflops` at `intensity`.
    pub fn place(&self, intensity: f64, gflops: f64) -> Placement {
        let roof = self.attainable(intensity);
        Placement {
            intensity,
            gflops,
            bound: self.bound(intensity),
            roof_gflops: roof,
            fraction: if roof > 0.0 { gflops / roof } else { 0.0 },
        }
    }

    /// The bandwidth a memory-bound kernel achieved, GB/s, as a share of the
    /// memory roof (`bytes / seconds` against it).
    pub fn bandwidth_fraction(&self, gb_per_s: f64) -> f64 {
        if self.memory.value > 0.0 {
            gb_per_s / self.memory.value
        } else {
            0.0
        }
    }
}

/// Where the lab stands with measuring its roofs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum RoofsState {
    /// Nothing measured yet: a POST asks for it (a page view never does).
    #[default]
    NotMeasured,
    /// Waiting in the lab's queue, or being measured.
    Measuring,
    Measured,
    /// The probes failed; a later request may try again.
    Failed {
        message: String,
    },
}

/// The roofs the lab has measured in this process (one per device).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct RoofsView {
    pub state: RoofsState,
    pub roofs: Vec<DeviceRoofs>,
}

impl RoofsView {
    pub fn device(&self, device: DeviceKind) -> Option<&DeviceRoofs> {
        self.roofs.iter().find(|r| r.device == device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Preset;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    /// Worked example: medium (784 → 1024 → 1024 → 10) at b = 1.
    /// FLOPs = 2·(784·1024 + 1024·1024 + 1024·10) = 2 · 1,861,632 = 3,723,264.
    /// Bytes = 4·(1,861,632 weights + (784 + 1024) + (1024 + 1024) + (1024 + 10))
    ///       = 4 · (1,861,632 + 4,890) = 7,466,088.
    /// Intensity = 3,723,264 / 7,466,088 ≈ 0.49869 FLOP/B: the weights dominate.
    #[test]
    fn medium_at_batch_one_does_half_a_flop_per_byte() {
        let w = model_work(Preset::Medium.widths(), 1);
        assert_eq!(w.flops, 3_723_264.0);
        assert_eq!(w.bytes, 7_466_088.0);
        assert!(
            (w.intensity() - 0.498_690).abs() < 1e-6,
            "{}",
            w.intensity()
        );
    }

    /// Worked example: medium at b = 1,024.
    /// FLOPs = 1,024 · 3,723,264 = 3,812,622,336.
    /// Bytes = 4·(1,861,632 + 1,024 · 4,890) = 4 · 6,868,992 = 27,475,968.
    /// Intensity ≈ 138.76 FLOP/B: 278 times b = 1's, for 3.7 times the bytes.
    #[test]
    fn medium_at_batch_1024_does_139_flops_per_byte() {
        let w = model_work(Preset::Medium.widths(), 1024);
        assert_eq!(w.flops, 3_812_622_336.0);
        assert_eq!(w.bytes, 27_475_968.0);
        assert!((w.intensity() - 138.762).abs() < 1e-3, "{}", w.intensity());
    }

    #[test]
    fn one_layer_follows_the_formulas() {
        // Lesson 4's table: K = M = 1024 at b = 1 and b = 256.
        let one = layer_work(1, 1024, 1024);
        assert_eq!(one.flops, 2.0 * 1024.0 * 1024.0);
        assert_eq!(one.bytes, 4.0 * (1024.0 * 1024.0 + 2048.0));
        assert!((one.intensity() - 0.499).abs() < 1e-3);
        let big = layer_work(256, 1024, 1024);
        assert!((big.intensity() - 85.3).abs() < 0.1, "{}", big.intensity());
        // The model's work is its layers' summed, not their intensities averaged.
        let w = model_work(&[4, 8, 2], 3);
        assert_eq!(w, layer_work(3, 4, 8) + layer_work(3, 8, 2));
        assert_eq!(model_work(&[5], 7), Work::default());
        assert_eq!(Work::default().intensity(), 0.0);
    }

    #[test]
    fn intensity_grows_with_the_batch_towards_a_limit() {
        let widths = Preset::Large.widths();
        let mut last = 0.0;
        for p in 0..=10 {
            let i = model_work(widths, 1 << p).intensity();
            assert!(i > last, "b = {}: {i} after {last}", 1 << p);
            last = i;
        }
        // b → ∞: 2·Σ in·out / (4·Σ (in + out)) per item.
        let w = model_work(widths, 1 << 40);
        let flops: f64 = widths.windows(2).map(|w| (w[0] * w[1]) as f64).sum();
        let io: f64 = widths.windows(2).map(|w| (w[0] + w[1]) as f64).sum();
        assert!((w.intensity() - 2.0 * flops / (4.0 * io)).abs() < 1e-3);
    }

    #[test]
    fn puzzles_count_their_own_traffic() {
        let v = PuzzleSize {
            m: 1,
            k: 1,
            n: 1 << 20,
        };
        assert_eq!(puzzle_work(PuzzleReference::Map, v).intensity(), 0.25);
        assert!(close(
            puzzle_work(PuzzleReference::Zip, v).intensity(),
            1.0 / 12.0
        ));
        assert!(puzzle_work(PuzzleReference::Sum, v).intensity() < 0.25);
        let s = PuzzleSize {
            m: 256,
            k: 256,
            n: 256,
        };
        let mm = puzzle_work(PuzzleReference::Matmul, s);
        assert_eq!(mm.flops, 2.0 * 256f64.powi(3));
        assert_eq!(mm.bytes, 4.0 * 3.0 * 256f64.powi(2));
        assert!(close(mm.intensity(), 256.0 / 6.0));
        let lin = puzzle_work(PuzzleReference::Linear, s);
        assert_eq!(lin.bytes, mm.bytes + 4.0 * 256.0);
    }

    fn roofs(gflops: f64, gb_s: f64) -> DeviceRoofs {
        let roof = |value| Roof {
            value,
            spread: None,
            method: String::new(),
        };
        DeviceRoofs {
            device: DeviceKind::Cpu,
            name: "test".into(),
            software: false,
            compute: roof(gflops),
            memory: roof(gb_s),
            cache_bytes: None,
            took_ms: 0.0,
        }
    }

    #[test]
    fn the_ridge_splits_memory_bound_from_compute_bound() {
        // 100 GFLOP/s over 20 GB/s: the ridge at 5 FLOP/B.
        let r = roofs(100.0, 20.0);
        assert_eq!(r.ridge(), 5.0);
        assert_eq!(r.attainable(0.5), 10.0);
        assert_eq!(r.attainable(50.0), 100.0);
        assert_eq!(r.bound(0.5), Bound::Memory);
        assert_eq!(r.bound(5.0), Bound::Compute);
        let p = r.place(0.5, 4.0);
        assert_eq!((p.bound, p.roof_gflops), (Bound::Memory, 10.0));
        assert!(close(p.fraction, 0.4) && !p.above_roof());
        let over = r.place(50.0, 120.0);
        assert!(over.above_roof() && close(over.fraction, 1.2));
        assert!(close(r.bandwidth_fraction(5.0), 0.25));
        assert_eq!(roofs(1.0, 0.0).ridge(), f64::INFINITY);
    }

    #[test]
    fn spread_is_median_and_percentiles() {
        let s = Spread::of(&[3.0, 1.0, f64::NAN, 2.0, 5.0, 4.0]);
        assert_eq!((s.samples, s.median, s.min, s.max), (5, 3.0, 1.0, 5.0));
        assert!(close(s.p10, 1.4) && close(s.p90, 4.6));
        assert!(close(s.relative_width(), 3.2 / 3.0));
        assert_eq!(Spread::of(&[]), Spread::default());
    }

    #[test]
    fn roofs_cross_the_wire() {
        let view = RoofsView {
            state: RoofsState::Failed {
                message: "no".into(),
            },
            roofs: vec![roofs(1.0, 2.0)],
        };
        let json = serde_json::to_string(&view).unwrap();
        assert!(json.contains(r#""state":"failed""#), "{json}");
        assert_eq!(serde_json::from_str::<RoofsView>(&json).unwrap(), view);
        assert!(view.device(DeviceKind::Cpu).is_some() && view.device(DeviceKind::Gpu).is_none());
    }
}
