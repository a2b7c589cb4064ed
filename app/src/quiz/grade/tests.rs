//! Parsing and grading against questions written like the content files.

use super::*;
use crate::content::Question;
use crate::quiz::feedback;

fn question(toml_text: &str) -> Question {
    toml::from_str(toml_text).unwrap()
}

const COMMON: &str = r#"
prompt = "p"
solution = ["s"]
answer = "a"
quick_check = "c"
"#;

fn single() -> Question {
    question(&format!(
        r#"id = "s"
kind = "single"
{COMMON}
[[options]]
id = "a"
text = "A"
correct = false
rationale = "why not a"
[[options]]
id = "b"
text = "B"
correct = true
rationale = "why b"
"#
    ))
}

fn multiple() -> Question {
    question(&format!(
        r#"id = "m"
kind = "multiple"
{COMMON}
[[options]]
id = "a"
text = "A"
correct = true
rationale = "ra"
[[options]]
id = "b"
text = "B"
correct = true
rationale = "rb"
[[options]]
id = "c"
text = "C"
correct = false
rationale = "rc"
"#
    ))
}

fn numeric() -> Question {
    question(&format!(
        r#"id = "n"
kind = "numeric"
{COMMON}
value = 16.0
tolerance = 0.1
unit = "batches"
[[traps]]
value = 15.0
rationale = "You used floor."
"#
    ))
}

fn choices(ids: &[&str]) -> Option<Vec<String>> {
    Some(ids.iter().map(|s| s.to_string()).collect())
}

#[test]
fn single_choice_needs_exactly_one_known_option() {
    let q = single();
    assert_eq!(
        parse_answer(&q, choices(&["b"]), None),
        Ok(Answer::Choices(vec!["b".into()]))
    );
    assert!(parse_answer(&q, None, None)
        .unwrap_err()
        .contains("Choose one"));
    assert!(parse_answer(&q, choices(&[]), None).is_err());
    assert!(parse_answer(&q, choices(&["a", "b"]), None)
        .unwrap_err()
        .contains("only one"));
    assert!(parse_answer(&q, choices(&["z"]), None)
        .unwrap_err()
        .contains("not an option"));
    assert!(parse_answer(&q, choices(&[&"a".repeat(10_000)]), None).is_err());
    assert!(
        parse_answer(&q, choices(&["b"]), Some("3".into())).is_err(),
        "a number for a choice question"
    );
    assert!(is_correct(&q, &Answer::Choices(vec!["b".into()])));
    assert!(!is_correct(&q, &Answer::Choices(vec!["a".into()])));
}

#[test]
fn multiple_choice_is_right_only_with_exactly_the_correct_set() {
    let q = multiple();
    assert!(parse_answer(&q, None, None)
        .unwrap_err()
        .contains("at least one"));
    assert!(parse_answer(&q, choices(&["a", "a"]), None)
        .unwrap_err()
        .contains("only once"));
    let too_many: Vec<String> = (0..MAX_CHOICES + 1).map(|_| "a".to_string()).collect();
    assert!(parse_answer(&q, Some(too_many), None)
        .unwrap_err()
        .contains("Too many"));
    let answer = |ids: &[&str]| parse_answer(&q, choices(ids), None).unwrap();
    assert!(is_correct(&q, &answer(&["b", "a"])));
    assert!(!is_correct(&q, &answer(&["a"])));
    assert!(!is_correct(&q, &answer(&["a", "b", "c"])));
}

#[test]
fn numbers_must_be_finite_and_are_right_within_tolerance() {
    let q = numeric();
    let parse = |text: &str| parse_answer(&q, None, Some(text.into()));
    assert_eq!(parse(" 16 "), Ok(Answer::Number(16.0)));
    assert_eq!(parse("1.6e1"), Ok(Answer::Number(16.0)));
    for bad in [
        "",
        "   ",
        "abc",
        "16 batches",
        "NaN",
        "inf",
        "-infinity",
        "1e999",
        &"1".repeat(200),
    ] {
        assert!(parse(bad).is_err(), "{bad:?} must be refused");
    }
    assert!(parse_answer(&q, None, None).is_err(), "no value at all");
    assert!(
        parse_answer(&q, choices(&["a"]), Some("16".into())).is_err(),
        "options for a numeric question"
    );
    assert!(is_correct(&q, &Answer::Number(16.1)));
    assert!(is_correct(&q, &Answer::Number(15.9)));
    assert!(!is_correct(&q, &Answer::Number(16.2)));
}

#[test]
fn feedback_explains_chosen_options_and_numeric_traps() {
    let q = multiple();
    let f = feedback::build(
        &q,
        Answer::Choices(vec!["a".into(), "c".into()]),
        false,
        true,
    );
    assert_eq!(f.chosen.len(), 2);
    assert_eq!(
        (f.chosen[0].rationale_html.as_str(), f.chosen[0].correct),
        ("ra", true)
    );
    assert_eq!(
        (f.chosen[1].rationale_html.as_str(), f.chosen[1].correct),
        ("rc", false)
    );
    assert_eq!(f.missed_correct, 1);
    assert_eq!(f.solution_html, vec!["s".to_string()]);

    let q = numeric();
    let trap = feedback::build(&q, Answer::Number(15.0), false, true);
    assert!(trap.numeric_html.unwrap().contains("You used floor."));
    let other = feedback::build(&q, Answer::Number(3.0), false, false);
    assert!(other
        .numeric_html
        .unwrap()
        .contains("not within the tolerance"));
    let right = feedback::build(&q, Answer::Number(16.0), true, true);
    assert!(right.numeric_html.unwrap().contains("within ±0.1 batches"));
}

#[test]
fn a_first_wrong_answer_keeps_the_solution_folded_and_never_talks_of_options_left_out() {
    use crate::quiz::types::SolutionReveal;
    let q = single();
    let wrong_id = q.options.iter().find(|o| !o.correct).unwrap().id.clone();
    let first = feedback::build(&q, Answer::Choices(vec![wrong_id.clone()]), false, true);
    assert_eq!(first.reveal, SolutionReveal::OnRequest);
    assert_eq!(
        first.missed_correct, 0,
        "one option is right: nothing is 'left out'"
    );
    assert_eq!(first.chosen.len(), 1);
    // A second wrong answer, or a right one, opens it.
    let second = feedback::build(&q, Answer::Choices(vec![wrong_id]), false, false);
    assert_eq!(second.reveal, SolutionReveal::Open);
    let right_id = q.options.iter().find(|o| o.correct).unwrap().id.clone();
    let right = feedback::build(&q, Answer::Choices(vec![right_id]), true, true);
    assert_eq!(right.reveal, SolutionReveal::Open);
}
