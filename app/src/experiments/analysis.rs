//! What a sweep shows: a least-squares line through time-vs-n, and where (if
//! anywhere) the GPU overtakes the CPU as the batch grows. Pure functions, both sides.

use lab_types::{DeviceKind, SweepReport};

/// `time_ms ≈ intercept_ms + slope_ms_per_item · n`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    pub slope_ms_per_item: f64,
    pub intercept_ms: f64,
    /// Coefficient of determination, 0..=1 (1 = the points lie on the line).
    pub r2: f64,
}

impl LinearFit {
    pub fn at(&self, x: f64) -> f64 {
        self.intercept_ms + self.slope_ms_per_item * x
    }
}

/// Ordinary least squares; `None` with fewer than two distinct x values.
pub fn linear_fit(points: &[(f64, f64)]) -> Option<LinearFit> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let r2 = if syy > 0.0 {
        (sxy * sxy) / (sxx * syy)
    } else {
        1.0
    };
    Some(LinearFit {
        slope_ms_per_item: slope,
        intercept_ms: intercept,
        r2,
    })
}

/// (x, median wall ms) of one device across a sweep.
pub fn series_ms(sweep: &SweepReport, device: DeviceKind) -> Vec<(f64, f64)> {
    sweep
        .points
        .iter()
        .filter_map(|p| p.run.result(device).map(|r| (p.x as f64, r.wall.median_ms)))
        .collect()
}

/// (x, items/s) of one device across a sweep.
pub fn series_rate(sweep: &SweepReport, device: DeviceKind) -> Vec<(f64, f64)> {
    sweep
        .points
        .iter()
        .filter_map(|p| p.run.result(device).map(|r| (p.x as f64, r.items_per_s)))
        .collect()
}

/// Where the GPU's throughput passes the CPU's in a batch sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Crossover {
    /// The GPU is faster from batch size `at` on (and slower at `before`).
    At { before: usize, at: usize },
    /// The GPU is faster at every measured batch size.
    GpuAlwaysFaster,
    /// The GPU never overtakes; `best_ratio` = its best GPU/CPU throughput ratio, at `best_b`.
    Never { best_ratio: f64, best_b: usize },
}

/// `None` unless the sweep measured both devices.
pub fn crossover(sweep: &SweepReport) -> Option<Crossover> {
    let ratios: Vec<(usize, f64)> = sweep
        .points
        .iter()
        .filter_map(|p| {
            let gpu = p.run.result(DeviceKind::Gpu)?.items_per_s;
            let cpu = p.run.result(DeviceKind::Cpu)?.items_per_s;
            (cpu > 0.0).then_some((p.x, gpu / cpu))
        })
        .collect();
    if ratios.is_empty() {
        return None;
    }
    if ratios.iter().all(|&(_, r)| r > 1.0) {
        return Some(Crossover::GpuAlwaysFaster);
    }
    // The first batch size from which the GPU stays ahead.
    let from = ratios
        .iter()
        .rposition(|&(_, r)| r <= 1.0)
        .map(|i| i + 1)
        .unwrap_or(0);
    match ratios.get(from) {
        Some(&(at, _)) if from > 0 => Some(Crossover::At {
            before: ratios[from - 1].0,
            at,
        }),
        _ => {
            let &(best_b, best_ratio) = ratios.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some(Crossover::Never { best_ratio, best_b })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_a_line_exactly() {
        let fit = linear_fit(&[(10.0, 3.0), (100.0, 12.0), (1000.0, 102.0)]).unwrap();
        assert!((fit.slope_ms_per_item - 0.1).abs() < 1e-9);
        assert!((fit.intercept_ms - 2.0).abs() < 1e-9);
        assert!((fit.r2 - 1.0).abs() < 1e-12);
        assert!(linear_fit(&[(1.0, 1.0)]).is_none());
        assert!(linear_fit(&[(1.0, 1.0), (1.0, 2.0)]).is_none());
    }

    #[test]
    fn noisy_points_have_r2_below_one() {
        let fit = linear_fit(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0), (4.0, 4.0)]).unwrap();
        assert!(fit.r2 > 0.0 && fit.r2 < 1.0);
    }
}
