//! `content/predictions.toml`: what each lesson demo asks a learner to predict
//! before it runs, and the one line shown beside the measurement (server only).
//! Every demo that takes a prediction must have its entry, with choices that
//! match the values the server measures.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::error::{check_non_empty, ContentError};
use crate::predictions::types::{AnswerKind, PredictedDemo, PredictionText, Prompt, PromptAnswer};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    question: String,
    explanation: String,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    choices: Vec<RawChoice>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    value: String,
    label: String,
}

/// Loads and checks the file.
pub fn load(file: &Path) -> Result<Vec<PredictionText>, ContentError> {
    let text = std::fs::read_to_string(file).map_err(|e| ContentError::io(file, e))?;
    parse(file, &text)
}

pub(super) fn parse(file: &Path, text: &str) -> Result<Vec<PredictionText>, ContentError> {
    let mut raw: BTreeMap<String, RawEntry> =
        toml::from_str(text).map_err(|e| ContentError::invalid(file, "toml", e.to_string()))?;
    if let Some(name) = raw.keys().find(|k| PredictedDemo::from_name(k).is_none()) {
        let known: Vec<_> = PredictedDemo::ALL.iter().map(|d| d.name()).collect();
        return Err(ContentError::invalid(
            file,
            name,
            format!("not a demo that takes a prediction ({})", known.join(", ")),
        ));
    }
    PredictedDemo::ALL
        .into_iter()
        .map(|demo| {
            let name = demo.name();
            let entry = raw.remove(name).ok_or_else(|| {
                ContentError::invalid(file, name, "missing: every demo asks for a prediction")
            })?;
            check_non_empty(file, &format!("{name}.question"), &entry.question)?;
            check_non_empty(file, &format!("{name}.explanation"), &entry.explanation)?;
            let answer = match demo.answer_kind() {
                AnswerKind::Number { max } => {
                    if !entry.choices.is_empty() {
                        return Err(ContentError::invalid(
                            file,
                            format!("{name}.choices"),
                            "this demo takes a number, not choices",
                        ));
                    }
                    PromptAnswer::Number {
                        max,
                        unit: entry.unit.unwrap_or_default(),
                    }
                }
                AnswerKind::Choice { values } => {
                    let given: Vec<&str> = entry.choices.iter().map(|c| c.value.as_str()).collect();
                    if given != values {
                        return Err(ContentError::invalid(
                            file,
                            format!("{name}.choices"),
                            format!(
                                "the values must be {} in this order, not {}",
                                values.join(", "),
                                given.join(", ")
                            ),
                        ));
                    }
                    for c in &entry.choices {
                        check_non_empty(
                            file,
                            &format!("{name}.choices.{}.label", c.value),
                            &c.label,
                        )?;
                    }
                    PromptAnswer::Choice {
                        choices: entry
                            .choices
                            .into_iter()
                            .map(|c| (c.value, c.label))
                            .collect(),
                    }
                }
            };
            Ok(PredictionText {
                prompt: Prompt {
                    demo,
                    question: entry.question,
                    answer,
                },
                explanation: entry.explanation,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[visibility]
question = "How many?"
explanation = "Because."
unit = "GPUs"
[timing]
question = "How many times?"
explanation = "Because."
[cost-calculator]
question = "Which?"
explanation = "Because."
choices = [{ value = "gpu", label = "The GPU" }, { value = "cpu", label = "The CPU" }]
[n-sweep]
question = "How many times?"
explanation = "Because."
[batch-sweep]
question = "Which?"
explanation = "Because."
choices = [{ value = "gpu-gpu", label = "a" }, { value = "cpu-gpu", label = "b" }, { value = "gpu-cpu", label = "c" }, { value = "cpu-cpu", label = "d" }]
[roofline]
question = "Which roof?"
explanation = "Because."
choices = [{ value = "memory", label = "Memory" }, { value = "compute", label = "Compute" }]
"#;

    fn err(text: &str) -> String {
        parse(Path::new("predictions.toml"), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_real_file_loads() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/predictions.toml");
        assert_eq!(load(&file).unwrap().len(), PredictedDemo::ALL.len());
        assert_eq!(parse(Path::new("p.toml"), GOOD).unwrap().len(), 6);
    }

    #[test]
    fn broken_entries_are_named() {
        assert!(err(&GOOD.replace("[timing]", "[timings]")).contains("timings"));
        let without_timing = GOOD.replace(
            "[timing]\nquestion = \"How many times?\"\nexplanation = \"Because.\"\n",
            "",
        );
        assert!(
            err(&without_timing).contains("timing: missing"),
            "{}",
            err(&without_timing)
        );
        assert!(err(&GOOD.replace("value = \"cpu\"", "value = \"tpu\""))
            .contains("cost-calculator.choices"));
        assert!(
            err(&GOOD.replace("question = \"Which?\"", "question = \" \""))
                .contains("cost-calculator.question")
        );
        assert!(err(&GOOD.replace("unit = \"GPUs\"", "units = 1")).contains("toml"));
    }
}
