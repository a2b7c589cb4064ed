//! A stored prediction as the result shows it: both values in words (server only).

use super::types::{Guess, Measured, Outcome, PredictionText, PromptAnswer, Verdict};
use lab_storage::predictions::StoredPrediction;

/// A number as a learner reads it: three significant figures at most.
pub fn number(n: f64) -> String {
    let text = if n.abs() >= 100.0 {
        format!("{n:.0}")
    } else if n.abs() >= 10.0 {
        format!("{n:.1}")
    } else {
        format!("{n:.2}")
    };
    match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text,
    }
}

/// A number with the prompt's unit.
fn number_words(text: &PredictionText, n: f64) -> String {
    match &text.prompt.answer {
        PromptAnswer::Number { unit, .. } if !unit.is_empty() => format!("{} {unit}", number(n)),
        _ => number(n),
    }
}

/// A choice value as its label.
fn choice_words(text: &PredictionText, value: &str) -> String {
    match &text.prompt.answer {
        PromptAnswer::Choice { choices } => choices
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, label)| label.clone()),
        PromptAnswer::Number { .. } => None,
    }
    .unwrap_or_else(|| value.to_string())
}

pub fn outcome(text: &PredictionText, p: &StoredPrediction) -> Outcome {
    let guess = match &p.guess {
        Guess::Number(n) => number_words(text, *n),
        Guess::Choice(c) => choice_words(text, c),
        Guess::DontKnow => "I don't know".to_string(),
    };
    let measured = match &p.measured {
        Measured::Number(n) | Measured::Ratio { value: n, .. } => number_words(text, *n),
        Measured::Count(c) => number_words(text, f64::from(*c)),
        Measured::Choice(c) => choice_words(text, c),
        Measured::Unavailable => "could not be measured".to_string(),
        Measured::Pending => "not measured yet".to_string(),
    };
    // Shown only when the timings leave room: one repeat has no spread to tell.
    let spread = match &p.measured {
        Measured::Ratio { low, high, .. } if number(*low) != number(*high) => Some(format!(
            "between {} and {} given this run's spread",
            number_words(text, *low),
            number_words(text, *high)
        )),
        _ => None,
    };
    Outcome {
        question: text.prompt.question.clone(),
        guess,
        measured,
        spread,
        verdict: match p.correct {
            Some(true) => Verdict::Right,
            Some(false) => Verdict::Wrong,
            None => Verdict::NotScored,
        },
        explanation: text.explanation.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_keep_three_figures() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(12.34), "12.3");
        assert_eq!(number(1234.6), "1235");
        assert_eq!(number(0.126), "0.13");
    }
}
