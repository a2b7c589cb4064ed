//! Reading a prediction from its form fields and scoring it against the measurement.

use super::types::{AnswerKind, Guess, Measured, PredictedDemo, DONT_KNOW};

/// A number counts as right when it is within this share of the measurement
/// (of the range a timed ratio could take, for a ratio).
pub const TOLERANCE: f64 = 0.25;

/// Longer values are refused before parsing.
const MAX_LEN: usize = 32;

/// The guess in a demo's form fields: `prediction` (a number or a choice value)
/// and, for numbers, the `dont_know` checkbox. A typed number wins over the
/// checkbox. `Err` is the message for the learner.
pub fn parse_guess(
    demo: PredictedDemo,
    prediction: Option<&str>,
    dont_know: Option<&str>,
) -> Result<Guess, String> {
    let value = prediction.map(str::trim).unwrap_or_default();
    if value.len() > MAX_LEN {
        return Err("The prediction is too long.".into());
    }
    match demo.answer_kind() {
        AnswerKind::Number { max } => {
            if value.is_empty() {
                return match dont_know {
                    Some("yes") | Some(DONT_KNOW) => Ok(Guess::DontKnow),
                    _ => Err("Type your prediction first, or tick “I don't know”.".into()),
                };
            }
            match value.parse::<f64>() {
                Ok(n) if n.is_finite() && (0.0..=max).contains(&n) => Ok(Guess::Number(n)),
                _ => Err(format!(
                    "The prediction must be a number from 0 to {max}, not '{value}'."
                )),
            }
        }
        AnswerKind::Choice { values } => match value {
            "" => Err("Choose your prediction first (or “I don't know”).".into()),
            DONT_KNOW => Ok(Guess::DontKnow),
            v if values.contains(&v) => Ok(Guess::Choice(v.to_string())),
            v => Err(format!(
                "Unknown prediction '{v}': choose one of {} or {DONT_KNOW}.",
                values.join(", ")
            )),
        },
    }
}

/// Right or wrong, or `None` when there is nothing to score ("I don't know",
/// nothing measured, or a guess of another kind than the measurement).
pub fn score(guess: &Guess, measured: &Measured) -> Option<bool> {
    match (guess, measured) {
        (Guess::Number(g), Measured::Number(m)) => Some((g - m).abs() <= TOLERANCE * m.abs()),
        (Guess::Number(g), Measured::Count(c)) => Some(*g == f64::from(*c)),
        // The range the timings allow, widened by the same band as a number.
        (Guess::Number(g), Measured::Ratio { value, low, high }) => {
            let (low, high) = (low.min(*value), high.max(*value));
            Some((1.0 - TOLERANCE) * low <= *g && *g <= (1.0 + TOLERANCE) * high)
        }
        (Guess::Choice(g), Measured::Choice(m)) => Some(g == m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_right_within_a_quarter_of_the_measurement() {
        let m = Measured::Number(40.0);
        assert_eq!(score(&Guess::Number(30.0), &m), Some(true));
        assert_eq!(score(&Guess::Number(50.0), &m), Some(true));
        assert_eq!(score(&Guess::Number(29.9), &m), Some(false));
        assert_eq!(score(&Guess::Number(50.1), &m), Some(false));
        // A count of zero must be predicted exactly.
        assert_eq!(
            score(&Guess::Number(0.0), &Measured::Number(0.0)),
            Some(true)
        );
        assert_eq!(
            score(&Guess::Number(1.0), &Measured::Number(0.0)),
            Some(false)
        );
    }

    #[test]
    fn ratios_are_right_within_a_quarter_of_the_range_the_spread_allows() {
        // The walkthrough's sweep: 15.9× by its medians, 9.8× to 21× by its spread.
        let m = Measured::Ratio {
            value: 15.9,
            low: 9.8,
            high: 21.0,
        };
        // 10× is outside 25 % of 15.9× (11.9× to 19.9×) but inside the spread.
        assert_eq!(
            score(&Guess::Number(10.0), &Measured::Number(15.9)),
            Some(false)
        );
        assert_eq!(score(&Guess::Number(10.0), &m), Some(true));
        assert_eq!(score(&Guess::Number(15.9), &m), Some(true));
        // The spread widened by 25 %: 7.35× to 26.25×.
        assert_eq!(score(&Guess::Number(7.36), &m), Some(true));
        assert_eq!(score(&Guess::Number(26.25), &m), Some(true));
        assert_eq!(score(&Guess::Number(7.3), &m), Some(false));
        assert_eq!(score(&Guess::Number(26.3), &m), Some(false));
        assert_eq!(score(&Guess::Number(100.0), &m), Some(false));
        // Without a spread it is the plain 25 % band.
        let flat = Measured::Ratio {
            value: 40.0,
            low: 40.0,
            high: 40.0,
        };
        assert_eq!(score(&Guess::Number(30.0), &flat), Some(true));
        assert_eq!(score(&Guess::Number(29.9), &flat), Some(false));
    }

    #[test]
    fn counts_stay_exact_and_old_rows_still_read() {
        // How many GPUs a program sees: 3 is not 4, though within 25 % of it.
        let four = Measured::Count(4);
        assert_eq!(score(&Guess::Number(4.0), &four), Some(true));
        assert_eq!(score(&Guess::Number(3.0), &four), Some(false));
        assert_eq!(score(&Guess::Number(4.5), &four), Some(false));
        assert_eq!(score(&Guess::Number(0.0), &Measured::Count(0)), Some(true));
        assert_eq!(
            serde_json::to_string(&four).unwrap(),
            r#"{"kind":"count","value":4}"#
        );
        // Stored before ratios had a range; and a ratio as it is stored now.
        let old: Measured = serde_json::from_str(r#"{"kind":"number","value":15.9}"#).unwrap();
        assert_eq!(old, Measured::Number(15.9));
        let new = Measured::Ratio {
            value: 15.9,
            low: 9.8,
            high: 21.0,
        };
        let json = serde_json::to_string(&new).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"ratio","value":{"value":15.9,"low":9.8,"high":21.0}}"#
        );
        assert_eq!(serde_json::from_str::<Measured>(&json).unwrap(), new);
    }

    #[test]
    fn choices_are_right_when_equal() {
        let m = Measured::Choice("gpu".into());
        assert_eq!(score(&Guess::Choice("gpu".into()), &m), Some(true));
        assert_eq!(score(&Guess::Choice("cpu".into()), &m), Some(false));
    }

    #[test]
    fn dont_know_and_missing_measurements_are_not_scored() {
        assert_eq!(score(&Guess::DontKnow, &Measured::Number(1.0)), None);
        assert_eq!(score(&Guess::Number(1.0), &Measured::Unavailable), None);
        assert_eq!(
            score(&Guess::Number(1.0), &Measured::Choice("gpu".into())),
            None
        );
    }

    #[test]
    fn numbers_are_parsed_and_bounded() {
        let t = PredictedDemo::Timing;
        assert_eq!(
            parse_guess(t, Some(" 12.5 "), None),
            Ok(Guess::Number(12.5))
        );
        assert_eq!(parse_guess(t, Some(""), Some("yes")), Ok(Guess::DontKnow));
        assert_eq!(
            parse_guess(t, Some("3"), Some("yes")),
            Ok(Guess::Number(3.0))
        );
        for bad in ["", "-1", "NaN", "inf", "1e9", "lots", &"9".repeat(40)] {
            assert!(parse_guess(t, Some(bad), None).is_err(), "{bad}");
        }
        assert!(parse_guess(t, None, None).is_err());
        assert!(parse_guess(PredictedDemo::Visibility, Some("1001"), None).is_err());
    }

    #[test]
    fn choices_are_checked_against_the_demo() {
        let c = PredictedDemo::CostCalculator;
        assert_eq!(
            parse_guess(c, Some("cpu"), None),
            Ok(Guess::Choice("cpu".into()))
        );
        assert_eq!(parse_guess(c, Some(DONT_KNOW), None), Ok(Guess::DontKnow));
        assert!(parse_guess(c, Some("tpu"), None).is_err());
        assert!(parse_guess(c, None, Some("yes")).is_err());
    }
}
