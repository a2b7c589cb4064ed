//! A numeric question's arithmetic redone from the numbers **as the learner
//! sees them**, for every variant, at start-up.
//!
//! The answer and the traps of a question with variants are formulas over
//! exact numbers, but a learner computes with the numbers printed in the
//! prompt, hint and worked solution, at the precision printed there. The two
//! can disagree: a solution that shows `1.32 ms` as `0.0013 s` leads to an
//! answer 1.5 % off, which the grader rejects. So each such question also
//! says how the learner computes, and every variant is checked:
//!
//! - `check` (on the question): the answer as the worked solution computes it,
//!   a formula over the numbers the prompt, hint and solution show. Each name
//!   takes the value the learner reads: the number rendered as its placeholder
//!   renders it (`{{x:.2}}` → two decimals), read back; a number shown at
//!   several precisions takes the least precise one. It must be graded right.
//! - `check` (on a trap whose value is a formula): the mistake redone the same
//!   way. It must fall on the trap, so the learner who makes that mistake gets
//!   its explanation.
//! - The first number of the `answer` text must be graded right.
//! - No two traps may be within twice the tolerance of each other (a value
//!   could then match either; the feedback takes the nearest), and no trap
//!   may be accepted as the answer.

use evalexpr::{
    build_operator_tree, ContextWithMutableVariables, DefaultNumericTypes, HashMapContext, Value,
};

use super::question_file::{within, Question, QuestionKind};
use super::variants::{format_number, placeholders, read_number, Number, Numbers};

/// Each number the learner is shown (prompt, hint, solution), at the least
/// precise way it is shown.
pub(super) fn shown_numbers(template: &Question, numbers: &Numbers) -> Vec<(String, f64)> {
    let texts = [&template.prompt]
        .into_iter()
        .chain(template.hint.as_ref())
        .chain(&template.solution);
    let mut shown: Vec<(String, f64, f64)> = Vec::new();
    for text in texts {
        for (name, spec) in placeholders(text) {
            let (Some(exact), Some(read)) = (numbers.get(name), numbers.shown(name, spec)) else {
                continue;
            };
            let off = (read - exact).abs();
            match shown.iter_mut().find(|(n, ..)| n == name) {
                Some(entry) if off > entry.2 => *entry = (name.to_string(), read, off),
                Some(_) => {}
                None => shown.push((name.to_string(), read, off)),
            }
        }
    }
    shown.into_iter().map(|(n, v, _)| (n, v)).collect()
}

/// `formula` over the shown numbers; an error names a number it uses that
/// the learner is never shown.
pub(super) fn eval_shown(formula: &str, shown: &[(String, f64)]) -> Result<f64, String> {
    let tree = build_operator_tree::<DefaultNumericTypes>(formula).map_err(|e| e.to_string())?;
    if let Some(name) = tree
        .iter_read_variable_identifiers()
        .find(|name| !shown.iter().any(|(n, _)| n == name))
    {
        return Err(format!(
            "'{name}' is not a number the prompt, hint or solution shows"
        ));
    }
    let mut context = HashMapContext::<DefaultNumericTypes>::new();
    for (name, v) in shown {
        context
            .set_value(name.clone(), Value::from_float(*v))
            .map_err(|e| e.to_string())?;
    }
    tree.eval_number_with_context(&context)
        .map_err(|e| e.to_string())
}

/// The first number written in a text (`$1,234.5 per hour` → 1234.5).
pub(super) fn first_number(text: &str) -> Option<f64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let negative = text[..start].ends_with('-');
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    let v = read_number(digits.trim_end_matches(['.', ',']))?;
    Some(if negative { -v } else { v })
}

fn describe(shown: &[(String, f64)], formula: &str) -> String {
    let used: Vec<String> = shown
        .iter()
        .filter(|(n, _)| {
            build_operator_tree::<DefaultNumericTypes>(formula)
                .map(|t| t.iter_read_variable_identifiers().any(|v| v == n))
                .unwrap_or(false)
        })
        .map(|(n, v)| format!("{n} = {}", format_number(*v, None)))
        .collect();
    if used.is_empty() {
        String::new()
    } else {
        format!(" (with {} as shown)", used.join(", "))
    }
}

/// Every rule of this module for one instance of `template` (its fixed
/// version, or one variant): `Err((field, message))` at the first broken one.
pub(super) fn check_instance(
    template: &Question,
    instance: &Question,
) -> Result<(), (String, String)> {
    if template.kind != QuestionKind::Numeric {
        return Ok(());
    }
    let Some(answer) = instance.numeric() else {
        return Ok(()); // reported by the caller
    };
    let fmt = |v: f64| format_number(v, None);
    let graded = format!(
        "the answer {} ± {}",
        fmt(answer.value),
        fmt(answer.tolerance)
    );
    let shown = instance
        .drawn
        .as_ref()
        .map(|numbers| shown_numbers(template, numbers))
        .unwrap_or_default();

    match (&template.check, &template.variants) {
        (Some(formula), _) => {
            let v = eval_shown(formula, &shown).map_err(|e| ("check".to_string(), e))?;
            if !within(v, answer.value, answer.tolerance) {
                return Err((
                    "check".into(),
                    format!(
                        "the worked solution, redone from the numbers as shown{}, gives {}, which is \
                         graded wrong against {graded}",
                        describe(&shown, formula),
                        fmt(v)
                    ),
                ));
            }
        }
        (None, Some(_)) => {
            return Err((
                "check".into(),
                "a numeric question with variants needs a check: the answer as the worked \
                 solution computes it, over the numbers it shows"
                    .into(),
            ))
        }
        (None, None) => {}
    }

    match first_number(&instance.answer) {
        Some(v) if within(v, answer.value, answer.tolerance) => {}
        Some(v) => {
            return Err((
                "answer".into(),
                format!(
                    "the answer text shows {}, which is graded wrong against {graded}",
                    fmt(v)
                ),
            ))
        }
        None => return Err(("answer".into(), "the answer text shows no number".into())),
    }

    let mut traps = Vec::with_capacity(instance.traps.len());
    for (i, (written, trap)) in template.traps.iter().zip(&instance.traps).enumerate() {
        let field = format!("traps[{i}]");
        let Some(value) = trap.value.value() else {
            return Ok(()); // reported by the caller
        };
        match (&written.check, &written.value) {
            (Some(formula), _) => {
                let v = eval_shown(formula, &shown).map_err(|e| (format!("{field}.check"), e))?;
                if !within(v, value, answer.tolerance) {
                    return Err((
                        format!("{field}.check"),
                        format!(
                            "the mistake, redone from the numbers as shown{}, gives {}, but the \
                             trap is {} (± {}): a learner who makes it gets no explanation",
                            describe(&shown, formula),
                            fmt(v),
                            fmt(value),
                            fmt(answer.tolerance)
                        ),
                    ));
                }
            }
            (None, Number::Formula(_)) => {
                return Err((
                    format!("{field}.check"),
                    "a trap computed by a formula needs a check: the mistake redone over the \
                     numbers the prompt, hint and solution show"
                        .into(),
                ))
            }
            (None, Number::Value(_)) => {}
        }
        traps.push((i, value));
    }
    for (a, (i, x)) in traps.iter().enumerate() {
        for (j, y) in &traps[a + 1..] {
            if within(*x, *y, 2.0 * answer.tolerance) {
                return Err((
                    format!("traps[{i}] and traps[{j}]"),
                    format!(
                        "{} and {} are within twice the tolerance (± {}) of each other: a learner's \
                         value can fall on both, and gets the nearest one's explanation",
                        fmt(*x),
                        fmt(*y),
                        fmt(answer.tolerance)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Every variant that breaks a rule of this module, with why (for tests and
/// reports; start-up stops at the first).
pub fn problems(q: &Question) -> Vec<String> {
    let count = q.variant_count().unwrap_or(1);
    (0..count as u32)
        .filter_map(|index| {
            let variant = q.variants.as_ref().map(|_| index);
            let instance = match q.instance(variant) {
                Ok(i) => i,
                Err(e) => return Some(format!("variant {index}: {e}")),
            };
            check_instance(q, &instance).err().map(|(field, message)| {
                let numbers = instance
                    .drawn
                    .as_ref()
                    .map(|n| format!("variant {index} ({})", n.describe()))
                    .unwrap_or_else(|| "fixed numbers".into());
                format!("{}: {numbers}: {field}: {message}", q.id)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_number_of_a_text_is_read_with_its_separators() {
        assert_eq!(first_number("About 24,242 items/s."), Some(24_242.0));
        assert_eq!(first_number("$2.80 per hour (7 CPU instances)"), Some(2.8));
        assert_eq!(first_number("0.0"), Some(0.0));
        assert_eq!(first_number("16 batches (15 of 64 items)"), Some(16.0));
        assert_eq!(first_number("-3.5 ms"), Some(-3.5));
        assert_eq!(first_number("no number"), None);
    }

    #[test]
    fn a_check_uses_only_the_numbers_shown() {
        let shown = vec![("b".to_string(), 32.0), ("batch_s".to_string(), 0.0013)];
        let v = eval_shown("b / batch_s", &shown).unwrap();
        assert!((v - 24_615.38).abs() < 0.01, "{v}");
        let e = eval_shown("b / batch_ms", &shown).unwrap_err();
        assert!(e.contains("batch_ms") && e.contains("shows"), "{e}");
        // Whole numbers are floats: 1 / 2 is a half, not 0.
        let half = eval_shown("1 / b * 16", &shown).unwrap();
        assert_eq!(half, 0.5);
    }
}
