//! The puzzles' inputs and CPU references (in f64), and the comparison of a
//! kernel's output with them.

use lab_types::{Mismatch, PuzzleReference, PuzzleSize, SizeCheck};

/// A problem's four buffers (`x`, `w`, `bias`, `y`), as the kernel sees them.
pub struct Inputs {
    pub x: Vec<f32>,
    pub w: Vec<f32>,
    pub bias: Vec<f32>,
    /// How many floats `y` holds.
    pub y_len: usize,
}

/// Floats per buffer: (x, w, bias, y). Unused buffers hold one float (a
/// binding cannot be empty).
pub fn lengths(r: PuzzleReference, s: PuzzleSize) -> [usize; 4] {
    let (m, k, n) = (s.m as usize, s.k as usize, s.n as usize);
    match r {
        PuzzleReference::Map => [n, 1, 1, n],
        PuzzleReference::Zip => [n, n, 1, n],
        PuzzleReference::Sum => [n, 1, 1, 1],
        PuzzleReference::Matmul | PuzzleReference::LinearRelu | PuzzleReference::Linear => {
            [m * k, k * n, n, m * n]
        }
    }
    .map(|l| l.max(1))
}

/// Work done, for the rate: FLOPs (matrix puzzles) or bytes moved.
pub fn work(r: PuzzleReference, s: PuzzleSize) -> f64 {
    let (m, k, n) = (s.m as f64, s.k as f64, s.n as f64);
    match r {
        PuzzleReference::Map => 8.0 * n,
        PuzzleReference::Zip => 12.0 * n,
        PuzzleReference::Sum => 4.0 * n,
        PuzzleReference::Matmul | PuzzleReference::LinearRelu | PuzzleReference::Linear => {
            2.0 * m * k * n
        }
    }
}

/// Deterministic values in [-1, 1) (xorshift), different per buffer.
fn fill(seed: u64, len: usize) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

pub fn inputs(r: PuzzleReference, s: PuzzleSize) -> Inputs {
    let [x, w, b, y] = lengths(r, s);
    let bias = match r {
        // The plain matmul has a bias binding too (the built-in kernels add
        // it): zero, so that `x · w` is the answer.
        PuzzleReference::Matmul => vec![0.0; b],
        _ => fill(3, b),
    };
    Inputs {
        x: fill(1, x),
        w: fill(2, w),
        bias,
        y_len: y,
    }
}

/// The expected outputs and, per output, the sum of the magnitudes of the
/// terms that make it (rounding error grows with it).
pub fn expected(r: PuzzleReference, s: PuzzleSize, i: &Inputs) -> (Vec<f64>, Vec<f64>) {
    let (m, k, n) = (s.m as usize, s.k as usize, s.n as usize);
    let x = |j: usize| i.x[j] as f64;
    let w = |j: usize| i.w[j] as f64;
    match r {
        PuzzleReference::Map => (0..n)
            .map(|j| (2.0 * x(j) + 1.0, 2.0 * x(j).abs() + 1.0))
            .unzip(),
        PuzzleReference::Zip => (0..n)
            .map(|j| (x(j) + w(j), x(j).abs() + w(j).abs()))
            .unzip(),
        PuzzleReference::Sum => (
            vec![(0..n).map(x).sum()],
            vec![(0..n).map(|j| x(j).abs()).sum()],
        ),
        PuzzleReference::Matmul | PuzzleReference::LinearRelu | PuzzleReference::Linear => {
            let relu = r.relu() != 0;
            let mut out = Vec::with_capacity(m * n);
            let mut scale = Vec::with_capacity(m * n);
            for row in 0..m {
                for col in 0..n {
                    let b = i.bias[col] as f64;
                    let (mut acc, mut mag) = (b, b.abs());
                    for kk in 0..k {
                        let t = x(row * k + kk) * w(kk * n + col);
                        acc += t;
                        mag += t.abs();
                    }
                    out.push(if relu { acc.max(0.0) } else { acc });
                    scale.push(mag);
                }
            }
            (out, scale)
        }
    }
}

/// Compares `got` with the reference: an output is right within
/// `1e-5 + 1e-4 · scale` (fp32 sums in any order stay well inside that).
pub fn compare(size: PuzzleSize, expected: &[f64], scale: &[f64], got: &[f32]) -> SizeCheck {
    let mut max_abs_error = 0.0f64;
    let mut first_mismatch = None;
    for (index, ((&e, &s), &g)) in expected.iter().zip(scale).zip(got).enumerate() {
        let err = (g as f64 - e).abs();
        let err = if err.is_finite() { err } else { f64::MAX };
        max_abs_error = max_abs_error.max(err);
        if first_mismatch.is_none() && err > 1e-5 + 1e-4 * s {
            first_mismatch = Some(Mismatch {
                index,
                expected: e as f32,
                got: g.is_finite().then_some(g),
            });
        }
    }
    SizeCheck {
        size,
        max_abs_error,
        first_mismatch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_references_agree_with_a_hand_computation() {
        let s = PuzzleSize { m: 1, k: 2, n: 1 };
        let i = Inputs {
            x: vec![1.0, 2.0],
            w: vec![3.0, -4.0],
            bias: vec![0.5],
            y_len: 1,
        };
        assert_eq!(expected(PuzzleReference::Matmul, s, &i).0, vec![-4.5]);
        assert_eq!(expected(PuzzleReference::LinearRelu, s, &i).0, vec![0.0]);
        assert_eq!(expected(PuzzleReference::Linear, s, &i).0, vec![-4.5]);
        let v = PuzzleSize { m: 1, k: 1, n: 2 };
        assert_eq!(expected(PuzzleReference::Map, v, &i).0, vec![3.0, 5.0]);
        assert_eq!(expected(PuzzleReference::Zip, v, &i).0, vec![4.0, -2.0]);
        assert_eq!(expected(PuzzleReference::Sum, v, &i).0, vec![3.0]);
    }

    #[test]
    fn compare_finds_the_first_mismatch_and_unwritten_outputs() {
        let s = PuzzleSize { m: 1, k: 1, n: 3 };
        let check = compare(s, &[1.0, 2.0, 3.0], &[1.0; 3], &[1.0, 2.5, f32::NAN]);
        let m = check.first_mismatch.unwrap();
        assert_eq!(m.index, 1);
        assert_eq!(m.got, Some(2.5));
        assert_eq!(check.max_abs_error, f64::MAX);
        let ok = compare(s, &[1.0, 2.0, 3.0], &[1.0; 3], &[1.0, 2.0, 3.0]);
        assert!(ok.first_mismatch.is_none());
    }

    #[test]
    fn inputs_are_deterministic_and_in_range() {
        let a = fill(1, 1000);
        assert_eq!(a, fill(1, 1000));
        assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
        assert_ne!(fill(1, 10), fill(2, 10));
    }
}
