//! Summary statistics over repeated measurements.

use serde::{Deserialize, Serialize};

/// Median and spread of a sample, in milliseconds. Like
/// `torch.utils.benchmark`, the median is the headline (robust to the odd
/// preempted repeat); p10/p90 and min/max show the spread.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Summary {
    pub samples: usize,
    pub median_ms: f64,
    pub p10_ms: f64,
    pub p90_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Summary {
    /// Summarises samples given in milliseconds; an empty sample gives zeros.
    pub fn from_ms(samples: &[f64]) -> Summary {
        let mut s: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
        if s.is_empty() {
            return Summary::default();
        }
        s.sort_by(|a, b| a.total_cmp(b));
        Summary {
            samples: s.len(),
            median_ms: percentile_sorted(&s, 0.5),
            p10_ms: percentile_sorted(&s, 0.1),
            p90_ms: percentile_sorted(&s, 0.9),
            min_ms: s[0],
            max_ms: s[s.len() - 1],
            mean_ms: s.iter().sum::<f64>() / s.len() as f64,
        }
    }
}

/// Linear-interpolation percentile (numpy's default) of a sorted,
/// non-empty slice; `q` in [0, 1].
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate() {
        let s = Summary::from_ms(&[5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!(s.median_ms, 3.0);
        assert_eq!(s.min_ms, 1.0);
        assert_eq!(s.max_ms, 5.0);
        assert!((s.p10_ms - 1.4).abs() < 1e-12);
        assert!((s.p90_ms - 4.6).abs() < 1e-12);
        assert_eq!(Summary::from_ms(&[7.0]).p90_ms, 7.0);
        assert_eq!(Summary::from_ms(&[]).samples, 0);
    }
}
