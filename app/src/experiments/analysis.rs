//! What a sweep shows: a line through time-vs-n fitted on relative errors, the
//! log-log slope, and where (if anywhere) the GPU overtakes the CPU as the batch
//! grows. Pure functions, both sides.

use lab_types::{DeviceKind, SweepReport};

/// `time_ms ≈ intercept_ms + slope_ms_per_item · n`, fitted so that every point
/// counts in proportion (see [`linear_fit`]), with the log-log slope beside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearFit {
    pub slope_ms_per_item: f64,
    /// The fixed cost; never negative (see `intercept_clamped`).
    pub intercept_ms: f64,
    /// Coefficient of determination of the weighted fit (weights 1/time², so on
    /// relative errors), 0..=1. Close to 1 is *consistent* with a straight line; it
    /// does not prove one (a gentle curve over a wide range of n also scores ≈ 1).
    pub r2: f64,
    /// True when the best line had a negative intercept, which no real fixed cost
    /// has: the intercept was then held at 0 and the slope refitted through the origin.
    pub intercept_clamped: bool,
    /// Slope of ln(time) against ln(n), by least squares: ≈ 1 when time grows in
    /// proportion to n, below 1 while a fixed cost still dominates, above 1 when the
    /// cost per item grows with n.
    pub loglog_slope: f64,
    /// Standard error of `loglog_slope` (`None` with fewer than three points).
    pub loglog_slope_se: Option<f64>,
}

impl LinearFit {
    pub fn at(&self, x: f64) -> f64 {
        self.intercept_ms + self.slope_ms_per_item * x
    }

    /// (measured − fitted) / fitted: the relative residual of one point.
    pub fn relative_residual(&self, x: f64, y: f64) -> f64 {
        let f = self.at(x);
        if f > 0.0 {
            y / f - 1.0
        } else {
            f64::NAN
        }
    }
}

/// Fits `time = a + s·n` by weighted least squares with weights 1/time², i.e. it
/// minimises the sum of squared *relative* errors, so a point at n = 10 counts as
/// much as one at n = 100,000 (ordinary least squares lets the largest n decide
/// the line and can give a large or negative intercept). A negative intercept is
/// clamped to 0 and the slope refitted through the origin. Points with a time ≤ 0
/// are ignored. `None` with fewer than two distinct n.
pub fn linear_fit(points: &[(f64, f64)]) -> Option<LinearFit> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|&(x, y)| x.is_finite() && y.is_finite() && y > 0.0)
        .collect();
    let first_x = pts.first()?.0;
    if !pts.iter().any(|p| p.0 != first_x) {
        return None;
    }
    let (mut sw, mut swx, mut swy, mut swxx, mut swxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(x, y) in &pts {
        let w = 1.0 / (y * y);
        sw += w;
        swx += w * x;
        swy += w * y;
        swxx += w * x * x;
        swxy += w * x * y;
    }
    let det = sw * swxx - swx * swx;
    if det <= 0.0 {
        return None;
    }
    let mut slope = (sw * swxy - swx * swy) / det;
    let mut intercept = (swy - slope * swx) / sw;
    let intercept_clamped = intercept < 0.0;
    if intercept_clamped {
        intercept = 0.0;
        slope = swxy / swxx;
    }
    let mean_y = swy / sw;
    let (mut ss_res, mut ss_tot) = (0.0, 0.0);
    for &(x, y) in &pts {
        let w = 1.0 / (y * y);
        ss_res += w * (y - intercept - slope * x).powi(2);
        ss_tot += w * (y - mean_y).powi(2);
    }
    let r2 = if ss_tot > 0.0 {
        (1.0 - ss_res / ss_tot).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let (loglog_slope, loglog_slope_se) = loglog_slope(&pts).unwrap_or((f64::NAN, None));
    Some(LinearFit {
        slope_ms_per_item: slope,
        intercept_ms: intercept,
        r2,
        intercept_clamped,
        loglog_slope,
        loglog_slope_se,
    })
}

/// Least-squares slope of ln y against ln x, with its standard error (three
/// points or more). Points with x ≤ 0 are ignored.
fn loglog_slope(points: &[(f64, f64)]) -> Option<(f64, Option<f64>)> {
    let logs: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.0 > 0.0 && p.1 > 0.0)
        .map(|p| (p.0.ln(), p.1.ln()))
        .collect();
    let m = logs.len() as f64;
    let mean_x = logs.iter().map(|p| p.0).sum::<f64>() / m;
    let mean_y = logs.iter().map(|p| p.1).sum::<f64>() / m;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if logs.len() < 2 || sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = logs.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = sxy / sxx;
    let se = (logs.len() >= 3).then(|| {
        let ss_res: f64 = logs
            .iter()
            .map(|p| (p.1 - mean_y - slope * (p.0 - mean_x)).powi(2))
            .sum();
        (ss_res / (m - 2.0) / sxx).sqrt()
    });
    Some((slope, se))
}

/// (n, time per item in ms) at each point: flat when time grows in proportion to n,
/// falling while a fixed cost is being spread over more items.
pub fn per_item_ms(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter(|p| p.0 > 0.0)
        .map(|&(x, y)| (x, y / x))
        .collect()
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
        assert!(!fit.intercept_clamped);
        assert!(linear_fit(&[(1.0, 1.0)]).is_none());
        assert!(linear_fit(&[(1.0, 1.0), (1.0, 2.0)]).is_none());
    }

    #[test]
    fn noisy_points_have_r2_below_one() {
        let fit = linear_fit(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0), (4.0, 4.0)]).unwrap();
        assert!(fit.r2 > 0.0 && fit.r2 < 1.0);
    }

    /// Ordinary least squares gives these points an intercept of −3.56 ms (the
    /// largest n decides the line); the relative fit keeps every point within 20 %.
    #[test]
    fn small_n_points_count_and_the_intercept_is_not_negative() {
        let pts = [(10.0, 0.5), (100.0, 4.0), (1000.0, 40.0), (10000.0, 500.0)];
        let fit = linear_fit(&pts).unwrap();
        assert!(fit.intercept_ms >= 0.0, "{fit:?}");
        for &(x, y) in &pts {
            assert!(fit.relative_residual(x, y).abs() < 0.2, "n = {x}: {fit:?}");
        }
    }

    /// A GPU-like sweep: fixed cost ≈ 1 ms. OLS puts the intercept at −3.25 ms; the
    /// relative fit finds a fixed cost close to the 1.2 ms measured at n = 10.
    #[test]
    fn the_fixed_cost_matches_the_smallest_n() {
        let pts = [
            (10.0, 1.2),
            (100.0, 1.3),
            (1000.0, 3.0),
            (10000.0, 25.0),
            (100000.0, 400.0),
        ];
        let fit = linear_fit(&pts).unwrap();
        assert!((0.8..=1.3).contains(&fit.intercept_ms), "{fit:?}");
        assert!((fit.at(10.0) / 1.2 - 1.0).abs() < 0.15, "{fit:?}");
    }

    /// A convex curve (time ∝ n^1.3) wants a negative intercept: it is held at 0.
    #[test]
    fn a_negative_intercept_is_clamped_to_zero() {
        let pts: Vec<(f64, f64)> = [10.0_f64, 100.0, 1000.0, 10000.0]
            .iter()
            .map(|&x| (x, 1e-3 * x.powf(1.3)))
            .collect();
        let fit = linear_fit(&pts).unwrap();
        assert!(fit.intercept_clamped);
        assert_eq!(fit.intercept_ms, 0.0);
        assert!(fit.slope_ms_per_item > 0.0);
        // The log-log slope exposes the curve that R² alone would hide.
        assert!((fit.loglog_slope - 1.3).abs() < 1e-9, "{fit:?}");
        assert!(fit.loglog_slope_se.unwrap() < 1e-9);
    }

    #[test]
    fn loglog_slope_is_one_for_linear_growth() {
        let fit = linear_fit(&[(10.0, 1.0), (100.0, 10.0), (1000.0, 100.0)]).unwrap();
        assert!((fit.loglog_slope - 1.0).abs() < 1e-12);
        assert!(fit.loglog_slope_se.unwrap() < 1e-9);
        // With only two points there is no standard error.
        let two = linear_fit(&[(10.0, 1.0), (100.0, 10.0)]).unwrap();
        assert!(two.loglog_slope_se.is_none());
        // A fixed cost that dominates small n pulls the slope below 1.
        let overhead = linear_fit(&[(10.0, 5.01), (100.0, 5.1), (1000.0, 6.0)]).unwrap();
        assert!(overhead.loglog_slope < 0.2, "{overhead:?}");
        assert!(overhead.loglog_slope_se.is_some());
    }

    #[test]
    fn non_positive_times_are_ignored_and_per_item_time_is_time_over_n() {
        let fit = linear_fit(&[(10.0, 0.0), (100.0, 10.0), (1000.0, 100.0)]).unwrap();
        assert!((fit.slope_ms_per_item - 0.1).abs() < 1e-12);
        assert_eq!(
            per_item_ms(&[(10.0, 5.0), (100.0, 20.0)]),
            vec![(10.0, 0.5), (100.0, 0.2)]
        );
    }
}
