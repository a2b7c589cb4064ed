//! A measured ratio of two timed medians with the range the run's own spread
//! allows (server only). Two repeats of a noisy sweep can put t(10,000) /
//! t(1,000) anywhere from 10× to 16×: a guess inside what the timings allow is
//! not wrong, whatever the medians' ratio happens to be.

use lab_types::Summary;

use super::types::Measured;

/// `numerator / denominator` by their medians, and the range from the
/// repeats' p10 and p90: lowest when the numerator ran fast and the
/// denominator slow (p10 / p90), highest the other way round (p90 / p10).
/// `None` when a median is not positive (nothing to divide by). A spread that
/// cannot be formed (a percentile of zero) falls back to the plain number.
pub fn ratio(numerator: &Summary, denominator: &Summary) -> Option<Measured> {
    let value = numerator.median_ms / denominator.median_ms;
    if !(numerator.median_ms > 0.0 && denominator.median_ms > 0.0 && value.is_finite()) {
        return None;
    }
    if !(numerator.p10_ms > 0.0 && denominator.p10_ms > 0.0) {
        return Some(Measured::Number(value));
    }
    let low = numerator.p10_ms / denominator.p90_ms;
    let high = numerator.p90_ms / denominator.p10_ms;
    if !(low.is_finite() && high.is_finite()) {
        return Some(Measured::Number(value));
    }
    // Percentiles bracket the median, so this only guards odd summaries.
    Some(Measured::Ratio {
        value,
        low: low.min(value),
        high: high.max(value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(p10: f64, median: f64, p90: f64) -> Summary {
        Summary {
            samples: 3,
            median_ms: median,
            p10_ms: p10,
            p90_ms: p90,
            min_ms: p10,
            max_ms: p90,
            mean_ms: median,
        }
    }

    #[test]
    fn the_range_pairs_the_fast_end_of_one_with_the_slow_end_of_the_other() {
        let m = ratio(&summary(90.0, 159.0, 210.0), &summary(10.0, 10.0, 10.0));
        assert_eq!(
            m,
            Some(Measured::Ratio {
                value: 15.9,
                low: 9.0,
                high: 21.0
            })
        );
        let Some(Measured::Ratio { low, high, .. }) =
            ratio(&summary(98.0, 159.0, 210.0), &summary(8.0, 10.0, 10.0))
        else {
            panic!("a ratio with a spread");
        };
        assert!((low - 9.8).abs() < 1e-9 && (high - 26.25).abs() < 1e-9);
    }

    #[test]
    fn one_repeat_has_no_spread_and_zero_medians_no_ratio() {
        assert_eq!(
            ratio(&summary(20.0, 20.0, 20.0), &summary(2.0, 2.0, 2.0)),
            Some(Measured::Ratio {
                value: 10.0,
                low: 10.0,
                high: 10.0
            })
        );
        assert_eq!(
            ratio(&summary(0.0, 20.0, 30.0), &summary(0.0, 2.0, 3.0)),
            Some(Measured::Number(10.0))
        );
        assert_eq!(ratio(&summary(1.0, 1.0, 1.0), &Summary::default()), None);
        assert_eq!(ratio(&Summary::default(), &summary(1.0, 1.0, 1.0)), None);
    }
}
