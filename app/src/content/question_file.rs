//! Practice questions: `content/questions/<lesson-slug>.toml`, a `[[questions]]` list.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use std::borrow::Cow;

use serde::Deserialize;

use super::error::{check_ident, check_non_empty, files_with_ext, ContentError};
use super::variants::{Number, Numbers, VariantSpec, MAX_VALUES, MAX_VARIANTS};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Exactly one correct option.
    Single,
    /// "Choose all that apply": one or more correct options.
    Multiple,
    /// A number, accepted within a tolerance.
    Numeric,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuestionOption {
    pub id: String,
    pub text: String,
    pub correct: bool,
    pub rationale: String,
}

/// A likely wrong number, with the explanation shown when a learner gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trap {
    pub value: Number,
    pub rationale: String,
    /// The mistake redone from the numbers as shown: a formula over the
    /// numbers the prompt, hint and solution show, at the precision shown.
    /// Required for a trap whose value is a formula (see [`super::shown`]).
    #[serde(default)]
    pub check: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NumericAnswer {
    pub value: f64,
    pub tolerance: f64,
    pub unit: String,
}

/// One question as written in the file; validated by [`check`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(default)]
    pub hint: Option<String>,
    pub solution: Vec<String>,
    pub answer: String,
    pub quick_check: String,
    #[serde(default)]
    pub mistakes: Vec<String>,
    #[serde(default)]
    pub options: Vec<QuestionOption>,
    #[serde(default)]
    value: Option<Number>,
    #[serde(default)]
    tolerance: Option<f64>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    pub traps: Vec<Trap>,
    /// The answer recomputed the way the worked solution does, from the
    /// numbers as shown to the learner (see [`super::shown`]). Required for a
    /// numeric question with variants.
    #[serde(default)]
    pub check: Option<String>,
    /// Numbers drawn per learner and attempt (numeric questions only).
    #[serde(default)]
    pub variants: Option<VariantSpec>,
    /// In an instance of a question with variants: the numbers it was made with.
    #[serde(skip)]
    pub drawn: Option<Numbers>,
}

/// Whether `value` counts as `target` (with a hair of slack for decimal
/// fractions such as 0.1).
pub fn within(value: f64, target: f64, tolerance: f64) -> bool {
    (value - target).abs() <= tolerance * (1.0 + 1e-9)
}

impl Question {
    /// The expected number of a numeric question (`None` for choice questions,
    /// and for a question with variants until it is instantiated).
    pub fn numeric(&self) -> Option<NumericAnswer> {
        Some(NumericAnswer {
            value: self.value.as_ref()?.value()?,
            tolerance: self.tolerance?,
            unit: self.unit.clone().unwrap_or_default(),
        })
    }
}

impl Question {
    /// How many variants the question has (`None`: its numbers are fixed).
    pub fn variant_count(&self) -> Option<u64> {
        self.variants.as_ref().map(VariantSpec::count)
    }

    /// The variant a learner sees at their `attempt`-th try (`None`: fixed numbers).
    pub fn pick_variant(&self, learner: Option<i64>, attempt: i64) -> Option<u32> {
        self.variants
            .as_ref()
            .map(|v| v.pick(&self.id, learner, attempt))
    }

    /// The question with the numbers of `variant` filled in: every formula
    /// evaluated and every placeholder replaced. A fixed question is itself.
    pub fn instance(&self, variant: Option<u32>) -> Result<Cow<'_, Question>, String> {
        let Some(spec) = &self.variants else {
            return Ok(Cow::Borrowed(self));
        };
        let index = variant.unwrap_or(0);
        if u64::from(index) >= spec.count() {
            return Err(format!("there is no variant {index}"));
        }
        let numbers = spec.numbers(index)?;
        let number = |n: &Number, field: &str| match n {
            Number::Value(v) => Ok(Number::Value(*v)),
            Number::Formula(f) => numbers
                .eval(f)
                .map(Number::Value)
                .map_err(|e| format!("{field}: {e}")),
        };
        let text = |t: &str, field: &str| numbers.render(t).map_err(|e| format!("{field}: {e}"));
        let all = |ts: &[String], field: &str| {
            ts.iter()
                .map(|t| text(t, field))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Cow::Owned(Question {
            id: self.id.clone(),
            kind: self.kind,
            prompt: text(&self.prompt, "prompt")?,
            hint: self.hint.as_deref().map(|h| text(h, "hint")).transpose()?,
            solution: all(&self.solution, "solution")?,
            answer: text(&self.answer, "answer")?,
            quick_check: text(&self.quick_check, "quick_check")?,
            mistakes: all(&self.mistakes, "mistakes")?,
            options: self.options.clone(),
            value: self
                .value
                .as_ref()
                .map(|v| number(v, "value"))
                .transpose()?,
            tolerance: self.tolerance,
            unit: self.unit.clone(),
            check: self.check.clone(),
            traps: self
                .traps
                .iter()
                .map(|t| {
                    Ok(Trap {
                        value: number(&t.value, "traps.value")?,
                        rationale: text(&t.rationale, "traps.rationale")?,
                        check: t.check.clone(),
                    })
                })
                .collect::<Result<_, String>>()?,
            variants: None,
            drawn: Some(numbers),
        }))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionFile {
    questions: Vec<Question>,
}

pub(super) fn load_dir(
    dir: &Path,
    lesson_slugs: &HashSet<&str>,
) -> Result<HashMap<String, Vec<Question>>, ContentError> {
    let mut by_lesson = HashMap::new();
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    for file in files_with_ext(dir, "toml")? {
        let slug = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if !lesson_slugs.contains(slug.as_str()) {
            return Err(ContentError::invalid(
                &file,
                "file name",
                format!(
                    "no lesson has the slug '{slug}' (a question file is named after its lesson)"
                ),
            ));
        }
        let text = std::fs::read_to_string(&file).map_err(|e| ContentError::io(&file, e))?;
        let parsed: QuestionFile = toml::from_str(&text)
            .map_err(|e| ContentError::invalid(&file, "toml", e.message().to_string()))?;
        for q in &parsed.questions {
            check(&file, q)?;
            if let Some(other) = seen_ids.insert(q.id.clone(), slug.clone()) {
                return Err(ContentError::invalid(
                    &file,
                    format!("question '{}'", q.id),
                    format!("duplicate id, already used in {other}.toml"),
                ));
            }
        }
        by_lesson.insert(slug, parsed.questions);
    }
    Ok(by_lesson)
}

/// The rules a question must follow; every error names the question and the field.
pub(super) fn check(file: &Path, q: &Question) -> Result<(), ContentError> {
    let field = |f: &str| format!("question '{}': {f}", q.id);
    let bad = |f: &str, msg: String| Err(ContentError::invalid(file, field(f), msg));
    check_ident(file, "question id", &q.id)?;
    check_non_empty(file, &field("prompt"), &q.prompt)?;
    check_non_empty(file, &field("answer"), &q.answer)?;
    check_non_empty(file, &field("quick_check"), &q.quick_check)?;
    if q.solution.is_empty() || q.solution.iter().any(|s| s.trim().is_empty()) {
        return bad("solution", "needs at least one non-empty step".into());
    }
    match q.kind {
        QuestionKind::Single | QuestionKind::Multiple => {
            if q.value.is_some()
                || q.tolerance.is_some()
                || !q.traps.is_empty()
                || q.check.is_some()
            {
                return bad(
                    "value",
                    "choice questions take options, not value/tolerance/traps/check".into(),
                );
            }
            if q.options.len() < 2 {
                return bad(
                    "options",
                    format!("needs at least 2 options, has {}", q.options.len()),
                );
            }
            let mut ids = HashSet::new();
            for o in &q.options {
                check_ident(file, &field("options.id"), &o.id)?;
                if !ids.insert(o.id.as_str()) {
                    return bad("options", format!("duplicate option id '{}'", o.id));
                }
                check_non_empty(file, &field(&format!("option '{}' text", o.id)), &o.text)?;
                check_non_empty(
                    file,
                    &field(&format!("option '{}' rationale", o.id)),
                    &o.rationale,
                )?;
            }
            let correct = q.options.iter().filter(|o| o.correct).count();
            if q.kind == QuestionKind::Single && correct != 1 {
                return bad(
                    "options",
                    format!(
                        "a single-choice question needs exactly one correct option, has {correct}"
                    ),
                );
            }
            if q.kind == QuestionKind::Multiple && correct == 0 {
                return bad(
                    "options",
                    "a multiple-select question needs at least one correct option".into(),
                );
            }
        }
        QuestionKind::Numeric => {
            if !q.options.is_empty() {
                return bad(
                    "options",
                    "numeric questions take value and tolerance, not options".into(),
                );
            }
            match (&q.value, q.tolerance) {
                (Some(_), Some(t)) if t.is_finite() && t > 0.0 => {}
                (None, _) => return bad("value", "a numeric question needs a value".into()),
                _ => {
                    return bad(
                        "tolerance",
                        "a numeric question needs a finite tolerance > 0".into(),
                    )
                }
            }
            for t in &q.traps {
                check_non_empty(file, &field("traps.rationale"), &t.rationale)?;
            }
        }
    }
    check_numbers(file, q)
}

/// Every variant of the question (or its one fixed version) has a finite
/// answer, traps that differ from it and from each other, text with every
/// placeholder filled, and arithmetic that checks out from the numbers as
/// shown ([`super::shown`]).
fn check_numbers(file: &Path, q: &Question) -> Result<(), ContentError> {
    let field = |f: &str| format!("question '{}': {f}", q.id);
    let bad = |f: &str, msg: String| Err(ContentError::invalid(file, field(f), msg));
    let count = match &q.variants {
        None => 1,
        Some(_) if q.kind != QuestionKind::Numeric => {
            return bad("variants", "only numeric questions have variants".into())
        }
        Some(spec) => {
            if spec.params.is_empty() {
                return bad("variants.params", "needs at least one parameter".into());
            }
            let mut names = HashSet::new();
            let names_used = spec
                .params
                .iter()
                .map(|p| &p.name)
                .chain(spec.derived.iter().map(|d| &d.name));
            for name in names_used {
                let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                if !ok || !names.insert(name.as_str()) {
                    return bad(
                        "variants",
                        format!("'{name}' is not a unique name of lowercase letters, digits and _"),
                    );
                }
            }
            for p in &spec.params {
                let len = p.draw.len() as u64;
                if len == 0 || len > MAX_VALUES as u64 {
                    return bad(
                        "variants.params",
                        format!("'{}' needs 1 to {MAX_VALUES} values, has {len}", p.name),
                    );
                }
            }
            let count = spec.count();
            if count > MAX_VARIANTS {
                return bad(
                    "variants",
                    format!(
                        "{count} variants; at most {MAX_VARIANTS} (each is checked at start-up)"
                    ),
                );
            }
            count
        }
    };
    for index in 0..count as u32 {
        let variant = q.variants.as_ref().map(|_| index);
        let label = |f: &str| match variant {
            Some(i) => format!("{f} (variant {i})"),
            None => f.to_string(),
        };
        let instance = match q.instance(variant) {
            Ok(instance) => instance,
            Err(e) => return bad(&label("variants"), e),
        };
        let texts = [&instance.prompt, &instance.answer, &instance.quick_check]
            .into_iter()
            .chain(&instance.solution)
            .chain(&instance.mistakes)
            .chain(instance.hint.as_ref())
            .chain(instance.traps.iter().map(|t| &t.rationale));
        for t in texts {
            if t.contains("{{") || t.contains("}}") {
                return bad(
                    &label("text"),
                    format!("an unfilled placeholder in '{t}' (only questions with variants have numbers to fill)"),
                );
            }
        }
        if q.kind != QuestionKind::Numeric {
            continue;
        }
        let Some(answer) = instance.numeric() else {
            return bad(
                &label("value"),
                "a formula needs [questions.variants]".into(),
            );
        };
        if !answer.value.is_finite() {
            return bad(
                &label("value"),
                format!("is {}, not a finite number", answer.value),
            );
        }
        for (i, t) in instance.traps.iter().enumerate() {
            match t.value.value() {
                Some(v) if v.is_finite() && !within(v, answer.value, answer.tolerance) => {}
                Some(v) => {
                    return bad(
                        &label(&format!("traps[{i}].value")),
                        format!(
                            "{v} is not finite or is accepted as the answer {}",
                            answer.value
                        ),
                    )
                }
                None => {
                    return bad(
                        &label(&format!("traps[{i}].value")),
                        "a formula needs [questions.variants]".into(),
                    )
                }
            }
        }
        if let Err((f, message)) = super::shown::check_instance(q, &instance) {
            return bad(&label(&f), message);
        }
    }
    Ok(())
}
