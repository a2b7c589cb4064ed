//! Question variants (server only): a numeric question may draw its numbers per
//! learner and attempt, and compute its answer, traps and text from formulas in
//! its file, so a retry tests understanding rather than memory.
//!
//! ```toml
//! value = "ceil(n / b)"            # a formula instead of a number
//! [questions.variants]
//! params = [{ name = "n", values = [1000, 1234] }, { name = "b", from = 32, to = 128, step = 32 }]
//! derived = [{ name = "full", formula = "floor(n / b)" }]
//! ```
//! Text refers to a number as `{{n}}`, `{{n:.2}}` (two decimals) or `{{n:,}}`
//! (thousands separators). Formulas are evalexpr expressions over floats
//! (`ceil`, `floor`, `round`, `min`, `max`, `math::pow`, …); parameters are
//! floats, so `n / 2` divides as floats (write `1.0 / 2` for two constants).

use evalexpr::{
    build_operator_tree, ContextWithMutableVariables, DefaultNumericTypes, HashMapContext, Value,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Variants of one question at most: start-up checks every one of them.
pub const MAX_VARIANTS: u64 = 10_000;
/// Values of one parameter at most.
pub const MAX_VALUES: usize = 1_000;

/// A number in a question file: written out, or a formula over the variant's numbers.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Number {
    Value(f64),
    Formula(String),
}

impl Number {
    /// The written-out number (`None` for a formula: instantiate the question first).
    pub fn value(&self) -> Option<f64> {
        match self {
            Number::Value(v) => Some(*v),
            Number::Formula(_) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    /// Drawn per learner and attempt.
    pub params: Vec<Param>,
    /// Computed in order from the params (and earlier derived numbers).
    #[serde(default)]
    pub derived: Vec<Derived>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Param {
    pub name: String,
    #[serde(flatten)]
    pub draw: Draw,
}

/// Where a parameter's values come from.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Draw {
    List { values: Vec<f64> },
    Range { from: f64, to: f64, step: f64 },
}

impl Draw {
    pub fn len(&self) -> usize {
        match self {
            Draw::List { values } => values.len(),
            Draw::Range { from, to, step } if *step > 0.0 && to >= from => {
                (((to - from) / step) + 1e-9).floor() as usize + 1
            }
            Draw::Range { .. } => 0,
        }
    }

    fn at(&self, i: usize) -> f64 {
        match self {
            Draw::List { values } => values[i],
            Draw::Range { from, step, .. } => from + step * i as f64,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    pub name: String,
    pub formula: String,
}

/// The numbers of one variant, by name: the params first, then the derived ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbers {
    pub index: u32,
    values: Vec<(String, f64)>,
    params: usize,
}

impl Numbers {
    /// The drawn parameters as text, e.g. `n = 1000, b = 64`.
    pub fn describe(&self) -> String {
        self.values[..self.params]
            .iter()
            .map(|(name, v)| format!("{name} = {}", format_number(*v, None)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn context(&self) -> Result<HashMapContext<DefaultNumericTypes>, String> {
        let mut context = HashMapContext::<DefaultNumericTypes>::new();
        for (name, v) in &self.values {
            context
                .set_value(name.clone(), Value::from_float(*v))
                .map_err(|e| e.to_string())?;
        }
        Ok(context)
    }

    pub fn eval(&self, formula: &str) -> Result<f64, String> {
        let tree =
            build_operator_tree::<DefaultNumericTypes>(formula).map_err(|e| e.to_string())?;
        tree.eval_number_with_context(&self.context()?)
            .map_err(|e| e.to_string())
    }

    pub(super) fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// A number as the learner reads it: rendered as `{{name:spec}}` renders
    /// it, then read back (`None` for an unknown name).
    pub fn shown(&self, name: &str, spec: Option<&str>) -> Option<f64> {
        read_number(&format_number(self.get(name)?, spec))
    }

    /// Fills the `{{name}}` placeholders of a text; an unknown name is an error.
    pub fn render(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("unclosed placeholder near '{}'", &rest[start..]))?;
            let (name, spec) = match after[..end].split_once(':') {
                Some((n, s)) => (n.trim(), Some(s.trim())),
                None => (after[..end].trim(), None),
            };
            let value = self
                .get(name)
                .ok_or_else(|| format!("'{{{{{name}}}}}' names no parameter or derived number"))?;
            out.push_str(&format_number(value, spec));
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

impl VariantSpec {
    /// How many variants there are (saturating: start-up bounds it).
    pub fn count(&self) -> u64 {
        self.params
            .iter()
            .fold(1u64, |n, p| n.saturating_mul(p.draw.len() as u64))
    }

    /// The numbers of variant `index` (mixed-radix over the params' values).
    pub fn numbers(&self, index: u32) -> Result<Numbers, String> {
        let mut rest = u64::from(index);
        let mut values = Vec::with_capacity(self.params.len() + self.derived.len());
        for p in &self.params {
            let len = p.draw.len() as u64;
            if len == 0 {
                return Err(format!("parameter '{}' has no values", p.name));
            }
            values.push((p.name.clone(), p.draw.at((rest % len) as usize)));
            rest /= len;
        }
        let mut numbers = Numbers {
            index,
            values,
            params: self.params.len(),
        };
        for d in &self.derived {
            let v = numbers
                .eval(&d.formula)
                .map_err(|e| format!("derived '{}': {e}", d.name))?;
            numbers.values.push((d.name.clone(), v));
        }
        Ok(numbers)
    }

    /// The variant shown to a learner (none yet: `None`) at their `attempt`-th
    /// try: stable for that pair, different from one attempt to the next.
    pub fn pick(&self, question_id: &str, learner: Option<i64>, attempt: i64) -> u32 {
        let digest = Sha256::digest(format!("{question_id}:{}:{attempt}", learner.unwrap_or(0)));
        let seed = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
        (seed % self.count().max(1)) as u32
    }
}

/// The `{{name}}` and `{{name:spec}}` placeholders of a text, in order
/// (an unclosed one ends the list: [`Numbers::render`] reports it).
pub fn placeholders(text: &str) -> Vec<(&str, Option<&str>)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        found.push(match after[..end].split_once(':') {
            Some((n, s)) => (n.trim(), Some(s.trim())),
            None => (after[..end].trim(), None),
        });
        rest = &after[end + 2..];
    }
    found
}

/// A number as written by [`format_number`] (thousands separators allowed).
pub fn read_number(text: &str) -> Option<f64> {
    text.trim().replace(',', "").parse().ok()
}

/// `None`: an integer as digits, else up to four decimals without trailing
/// zeros; `.N`: N decimals; `,`: rounded to an integer with thousands separators.
pub fn format_number(v: f64, spec: Option<&str>) -> String {
    match spec {
        Some(",") => {
            let digits = format!("{:.0}", v.abs());
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            if v < 0.0 && grouped != "0" {
                format!("-{grouped}")
            } else {
                grouped
            }
        }
        Some(s) if s.starts_with('.') => match s[1..].parse::<usize>() {
            Ok(decimals) => format!("{v:.decimals$}"),
            Err(_) => format!("{v}"),
        },
        _ if (v - v.round()).abs() < 1e-9 => format!("{:.0}", v.round()),
        _ => {
            let text = format!("{v:.4}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> VariantSpec {
        toml::from_str(
            r#"
            params = [{ name = "n", values = [1000, 1234] }, { name = "b", from = 32, to = 96, step = 32 }]
            derived = [{ name = "batches", formula = "ceil(n / b)" }]
            "#,
        )
        .unwrap()
    }

    #[test]
    fn lists_and_ranges_multiply_into_variants_each_with_its_own_numbers() {
        let s = spec();
        assert_eq!(s.count(), 6);
        let all: Vec<String> = (0..6).map(|i| s.numbers(i).unwrap().describe()).collect();
        assert_eq!(all[0], "n = 1000, b = 32");
        assert_eq!(all[5], "n = 1234, b = 96");
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), 6);
    }

    #[test]
    fn formulas_divide_as_floats_and_derived_numbers_fill_the_text() {
        let n = spec().numbers(2).unwrap(); // n = 1000, b = 64
        assert_eq!(n.eval("n / b").unwrap(), 15.625);
        assert_eq!(n.eval("batches").unwrap(), 16.0);
        assert_eq!(
            n.render("{{n:,}} items, b = {{b}}: {{batches}} batches, {{b:.2}}")
                .unwrap(),
            "1,000 items, b = 64: 16 batches, 64.00"
        );
        assert!(n.render("{{nope}}").unwrap_err().contains("nope"));
        assert!(n.render("{{n").is_err());
    }

    #[test]
    fn the_pick_is_stable_per_learner_and_attempt_and_moves_between_attempts() {
        let s = spec();
        assert_eq!(s.pick("q", Some(7), 0), s.pick("q", Some(7), 0));
        let picks: std::collections::HashSet<u32> = (0..20)
            .map(|attempt| s.pick("q", Some(7), attempt))
            .collect();
        assert!(picks.len() > 1, "20 attempts all drew one variant");
        assert!(picks.iter().all(|p| *p < 6));
    }

    #[test]
    fn numbers_format_as_written_in_lessons() {
        assert_eq!(format_number(16.0, None), "16");
        assert_eq!(format_number(15.625, None), "15.625");
        assert_eq!(format_number(0.555_555, None), "0.5556");
        assert_eq!(format_number(24_242.42, Some(",")), "24,242");
        assert_eq!(format_number(3.0, Some(".2")), "3.00");
    }

    #[test]
    fn a_number_is_read_back_as_shown() {
        let n = spec().numbers(2).unwrap(); // n = 1000, b = 64
        assert_eq!(
            placeholders("{{n:,}} in {{ b }}, {{x:.2}}"),
            [("n", Some(",")), ("b", None), ("x", Some(".2"))]
        );
        assert_eq!(n.shown("n", Some(",")), Some(1000.0));
        assert_eq!(n.shown("b", Some(".1")), Some(64.0));
        // 15.625 shown with one decimal is 15.6 to the learner.
        let q = toml::from_str::<VariantSpec>("params = [{ name = \"x\", values = [15.625] }]")
            .unwrap()
            .numbers(0)
            .unwrap();
        assert_eq!(q.shown("x", Some(".1")), Some(15.6));
        assert_eq!(q.shown("x", None), Some(15.625));
        assert_eq!(q.shown("y", None), None);
    }
}
