use std::fs;
use std::path::Path;

use super::*;
use crate::lesson_body::{DemoKind, Segment};

const LESSON: &str = r#"+++
slug = "alpha"
title = "Alpha"
order = 1
topic = "Test"
summary = "A lesson."

[[sources]]
title = "Python docs"
url = "https://docs.python.org/3/"
+++

Intro with a table:

| n | batches |
|---|---|
| 10 | 1 |

```python
for batch in data_loader:
    pass
```

::: demo n-sweep

After the demo.
"#;

const QUESTIONS: &str = r#"
[[questions]]
id = "alpha-one"
kind = "single"
prompt = "Pick one."
solution = ["Step 1"]
answer = "B"
quick_check = "B is right."

[[questions.options]]
id = "a"
text = "A"
correct = false
rationale = "Not A."

[[questions.options]]
id = "b"
text = "B"
correct = true
rationale = "B."

[[questions]]
id = "alpha-num"
kind = "numeric"
prompt = "How many?"
solution = ["Count."]
answer = "4"
quick_check = "ceil(10/3)"
value = 4.0
tolerance = 0.5
unit = "batches"
"#;

fn write_tree(dir: &Path, lessons: &[(&str, &str)], questions: &[(&str, &str)]) {
    fs::create_dir_all(dir.join("lessons")).unwrap();
    fs::create_dir_all(dir.join("questions")).unwrap();
    let predictions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/predictions.toml");
    fs::copy(predictions, dir.join("predictions.toml")).unwrap();
    for (name, text) in lessons {
        fs::write(dir.join("lessons").join(name), text).unwrap();
    }
    for (name, text) in questions {
        fs::write(dir.join("questions").join(name), text).unwrap();
    }
}

fn load(lessons: &[(&str, &str)], questions: &[(&str, &str)]) -> Result<Content, ContentError> {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), lessons, questions);
    Content::load(dir.path())
}

fn error_text(lessons: &[(&str, &str)], questions: &[(&str, &str)]) -> String {
    load(lessons, questions)
        .expect_err("content should be refused")
        .to_string()
}

#[test]
fn loads_a_valid_lesson_with_table_code_and_demo() {
    let content = load(&[("01-alpha.md", LESSON)], &[("alpha.toml", QUESTIONS)]).unwrap();
    let lesson = content.lesson("alpha").expect("lesson by slug");
    assert_eq!(lesson.title, "Alpha");
    assert_eq!(lesson.sources.len(), 1);
    let html: String = lesson
        .body
        .iter()
        .filter_map(|s| match s {
            Segment::Html(h) => Some(h.as_str()),
            _ => None,
        })
        .collect();
    assert!(html.contains("<table>"), "tables are rendered: {html}");
    assert!(
        html.contains(r#"<div class="table-scroll" tabindex="0"><table>"#),
        "a table scrolls in its own box, not the page: {html}"
    );
    assert!(html.contains("After the demo."));
    let code = lesson.body.iter().find_map(|s| match s {
        Segment::Code { lang, html, raw } => Some((lang, html, raw)),
        _ => None,
    });
    let (lang, code_html, raw) = code.expect("a code segment");
    assert_eq!(lang, "python");
    assert!(raw.contains("for batch in data_loader:"));
    assert!(
        code_html.contains("<span class=\"l") && code_html.contains(" d"),
        "code is highlighted with classes: {code_html}"
    );
    assert!(lesson.body.contains(&Segment::Demo(DemoKind::NSweep)));
    assert_eq!(content.questions_for("alpha").len(), 2);
    let (slug, q) = content.question("alpha-num").unwrap();
    assert_eq!(slug, "alpha");
    assert_eq!(q.numeric().unwrap().value, 4.0);
}

#[test]
fn lessons_are_ordered_and_linked() {
    let second = LESSON
        .replace("slug = \"alpha\"", "slug = \"beta\"")
        .replace("order = 1", "order = 2");
    let content = load(&[("b.md", &second), ("a.md", LESSON)], &[]).unwrap();
    let slugs: Vec<_> = content.lessons().iter().map(|l| l.slug.as_str()).collect();
    assert_eq!(slugs, ["alpha", "beta"]);
    let (prev, next) = content.neighbours("beta");
    assert_eq!(prev.map(|l| l.slug.as_str()), Some("alpha"));
    assert!(next.is_none());
}

#[test]
fn missing_front_matter_names_the_file() {
    let err = error_text(&[("01-bad.md", "# No front matter\n")], &[]);
    assert!(
        err.contains("01-bad.md") && err.contains("front matter"),
        "{err}"
    );
}

#[test]
fn missing_field_is_named() {
    let text = LESSON.replace("summary = \"A lesson.\"\n", "");
    let err = error_text(&[("01-alpha.md", &text)], &[]);
    assert!(
        err.contains("01-alpha.md") && err.contains("summary"),
        "{err}"
    );
}

#[test]
fn unknown_field_is_refused() {
    let text = LESSON.replace("order = 1", "order = 1\ncolour = \"red\"");
    let err = error_text(&[("01-alpha.md", &text)], &[]);
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn duplicate_slug_names_both_files() {
    let other = LESSON.replace("order = 1", "order = 2");
    let err = error_text(&[("01-alpha.md", LESSON), ("02-copy.md", &other)], &[]);
    assert!(
        err.contains("02-copy.md") && err.contains("slug") && err.contains("01-alpha.md"),
        "{err}"
    );
}

#[test]
fn bad_slug_and_unknown_demo_are_refused() {
    let err = error_text(
        &[("x.md", &LESSON.replace("\"alpha\"", "\"Alpha Beta\""))],
        &[],
    );
    assert!(err.contains("slug"), "{err}");
    let err = error_text(
        &[("x.md", &LESSON.replace("demo n-sweep", "demo warp-drive"))],
        &[],
    );
    assert!(
        err.contains("warp-drive") && err.contains("n-sweep"),
        "{err}"
    );
}

#[test]
fn question_rules_name_the_question_and_field() {
    let lessons = [("01-alpha.md", LESSON)];
    let two_correct = QUESTIONS.replacen("correct = false", "correct = true", 1);
    let err = error_text(&lessons, &[("alpha.toml", &two_correct)]);
    assert!(
        err.contains("alpha.toml") && err.contains("alpha-one") && err.contains("exactly one"),
        "{err}"
    );

    let no_rationale = QUESTIONS.replacen("rationale = \"Not A.\"", "rationale = \" \"", 1);
    let err = error_text(&lessons, &[("alpha.toml", &no_rationale)]);
    assert!(err.contains("option 'a' rationale"), "{err}");

    let zero_tolerance = QUESTIONS.replace("tolerance = 0.5", "tolerance = 0.0");
    let err = error_text(&lessons, &[("alpha.toml", &zero_tolerance)]);
    assert!(
        err.contains("alpha-num") && err.contains("tolerance"),
        "{err}"
    );

    let duplicate = QUESTIONS.replace("id = \"alpha-num\"", "id = \"alpha-one\"");
    let err = error_text(&lessons, &[("alpha.toml", &duplicate)]);
    assert!(err.contains("duplicate id"), "{err}");

    let err = error_text(&lessons, &[("nobody.toml", QUESTIONS)]);
    assert!(
        err.contains("nobody.toml") && err.contains("no lesson"),
        "{err}"
    );
}

/// The product's promise for `content/`: five lessons, each with sources, a live demo
/// and at least three practice questions covering every question kind.
#[test]
fn the_shipped_content_keeps_its_promises() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = Content::load(&dir).unwrap_or_else(|e| panic!("content/ is broken: {e}"));
    assert_eq!(content.lessons().len(), 5, "five lessons");
    let mut total = 0;
    for lesson in content.lessons() {
        let slug = &lesson.slug;
        assert!(
            lesson.sources.len() >= 2,
            "{slug}: at least two primary sources"
        );
        assert!(
            lesson.body.iter().any(|s| matches!(s, Segment::Demo(_))),
            "{slug}: embeds a live demo"
        );
        let questions = content.questions_for(slug);
        assert!(questions.len() >= 3, "{slug}: at least three questions");
        for kind in [
            QuestionKind::Single,
            QuestionKind::Multiple,
            QuestionKind::Numeric,
        ] {
            assert!(
                questions.iter().any(|q| q.kind == kind),
                "{slug}: has a {kind:?} question"
            );
        }
        total += questions.len();
    }
    assert!(total >= 15, "at least 15 questions in total, found {total}");
}

/// The production reference rows quoted by lesson 4 keep their provenance
/// (regenerated by `server/engine/benches/onnx_compare.py --toml`).
#[test]
fn the_reference_rows_keep_their_provenance() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/references/onnxruntime-cpu.toml");
    let text = std::fs::read_to_string(&path).expect("content/references/onnxruntime-cpu.toml");
    let doc: toml::Table = toml::from_str(&text).expect("valid TOML");
    let prov = doc["provenance"].as_table().expect("[provenance]");
    for key in ["measured_at", "machine", "library", "method"] {
        let value = prov.get(key).and_then(|v| v.as_str());
        assert!(value.is_some_and(|s| !s.is_empty()), "provenance.{key}");
    }
    assert!(
        prov["load_average_before"].as_array().is_some(),
        "load average recorded"
    );
    let rows = doc["rows"].as_array().expect("[[rows]]");
    assert!(!rows.is_empty());
    for row in rows {
        assert!(row["preset"].as_str().is_some() && row["batch"].as_integer().is_some());
        let rate = row["items_per_s"].as_integer().map(|i| i as f64);
        assert!(rate
            .or(row["items_per_s"].as_float())
            .is_some_and(|v| v > 0.0));
    }
}

#[test]
fn the_shipped_references_cover_both_devices_and_every_preset() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = Content::load(&dir).expect("the shipped content loads");
    let sets = content.references();
    assert!(
        sets.len() >= 3,
        "onnxruntime here and on the H200 host, cuBLAS"
    );
    for device in [lab_types::DeviceKind::Cpu, lab_types::DeviceKind::Gpu] {
        assert!(
            sets.iter().any(|s| s.provenance.device == device),
            "{device:?}"
        );
    }
    for set in sets {
        for preset in lab_types::Preset::ALL {
            assert!(
                set.nearest(preset, 64).is_some(),
                "{}: {preset:?}",
                set.file.display()
            );
        }
    }
}

#[test]
fn a_broken_reference_file_names_the_file_and_the_row() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[("01-alpha.md", LESSON)],
        &[("alpha.toml", QUESTIONS)],
    );
    fs::create_dir_all(dir.path().join("references")).unwrap();
    let file = r#"
[provenance]
device = "cpu"
measured_at = "2026-11-26"
machine = "test"
library = "onnxruntime"
method = "timed"

[[rows]]
preset = "tiny"
batch = 64
gflops = 169.0
items_per_s = 892064
"#;
    fs::write(dir.path().join("references/bad.toml"), file).unwrap();
    let err = Content::load(dir.path()).expect_err("refused").to_string();
    assert!(err.contains("bad.toml") && err.contains("rows[0]"), "{err}");
}

const VARIANT: &str = r#"
[[questions]]
id = "alpha-var"
kind = "numeric"
prompt = "{{n}} items in batches of {{b}}: how many batches?"
solution = ["ceil({{n}} / {{b}}) = {{batches}}"]
answer = "{{batches}}"
quick_check = "ceil(n / b)"
value = "batches"
check = "ceil(n / b)"
tolerance = 0.1
unit = "batches"

[[questions.traps]]
value = "floor(n / b)"
check = "floor(n / b)"
rationale = "That drops the last {{rest}} items."

[questions.variants]
params = [{ name = "n", values = [10, 11] }, { name = "b", values = [3, 4] }]
derived = [
  { name = "batches", formula = "ceil(n / b)" },
  { name = "rest", formula = "n - floor(n / b) * b" },
]
"#;

fn variant_error(edit: impl Fn(&str) -> String) -> String {
    let lessons = [("01-alpha.md", LESSON)];
    error_text(&lessons, &[("alpha.toml", &edit(VARIANT))])
}

#[test]
fn a_question_with_variants_grades_each_variant_against_its_own_numbers() {
    let lessons = [("01-alpha.md", LESSON)];
    let content = load(&lessons, &[("alpha.toml", VARIANT)]).unwrap();
    let (_, q) = content.question("alpha-var").unwrap();
    assert_eq!(q.variant_count(), Some(4));
    // Variant 1: n = 11, b = 3 (the first parameter varies fastest).
    let v = q.instance(Some(1)).unwrap();
    assert_eq!(v.prompt, "11 items in batches of 3: how many batches?");
    assert_eq!(v.numeric().unwrap().value, 4.0);
    assert_eq!(v.traps[0].value.value(), Some(3.0));
    assert_eq!(v.traps[0].rationale, "That drops the last 2 items.");
    assert_eq!(v.drawn.as_ref().unwrap().describe(), "n = 11, b = 3");
    assert!(q.instance(Some(4)).is_err(), "there are only four");
    // The template itself has no number to grade against.
    assert!(q.numeric().is_none());
}

#[test]
fn a_broken_formula_stops_start_up_naming_the_file_and_the_field() {
    let err = variant_error(|q| q.replace("value = \"batches\"", "value = \"batches +\""));
    assert!(
        err.contains("alpha.toml") && err.contains("alpha-var") && err.contains("value"),
        "{err}"
    );
    let err = variant_error(|q| q.replace("ceil(n / b)\" },", "ceil(n / zz)\" },"));
    assert!(
        err.contains("alpha-var") && err.contains("batches"),
        "{err}"
    );
}

#[test]
fn every_variant_is_checked_traps_placeholders_and_finite_answers() {
    // n = 12, b = 3 makes the floor trap equal the answer.
    let err = variant_error(|q| q.replace("values = [10, 11]", "values = [10, 12]"));
    assert!(
        err.contains("traps[0].value") && err.contains("variant"),
        "{err}"
    );

    let err = variant_error(|q| q.replace("That drops", "That {{drops}}"));
    assert!(
        err.contains("drops") && err.contains("names no parameter"),
        "{err}"
    );

    let err = variant_error(|q| q.replace("values = [3, 4]", "values = [0, 4]"));
    assert!(err.contains("finite"), "{err}");

    // A formula in a question without variants cannot be evaluated.
    let fixed = VARIANT.split("[questions.variants]").next().unwrap();
    let err = error_text(&[("01-alpha.md", LESSON)], &[("alpha.toml", fixed)]);
    assert!(
        err.contains("alpha-var") && err.contains("unfilled placeholder"),
        "{err}"
    );
}

#[test]
fn eight_shipped_numeric_questions_have_variants() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = Content::load(&dir).unwrap();
    let with_variants: Vec<&str> = content
        .lessons()
        .iter()
        .flat_map(|l| content.questions_for(&l.slug))
        .filter(|q| q.variants.is_some())
        .map(|q| q.id.as_str())
        .collect();
    assert!(with_variants.len() >= 8, "{with_variants:?}");
}

#[test]
fn the_shipped_puzzles_load_in_order_with_their_references() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = Content::load(&dir).expect("the shipped content loads");
    let ids: Vec<&str> = content.puzzles().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        ["map", "zip", "sum", "matmul", "tiled-matmul", "linear-relu"]
    );
    assert!(
        content
            .puzzle("tiled-matmul")
            .unwrap()
            .needs_workgroup_memory
    );
    assert!(content.puzzle("nope").is_none());
}

#[test]
fn a_broken_puzzle_file_names_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[("01-alpha.md", LESSON)],
        &[("alpha.toml", QUESTIONS)],
    );
    fs::create_dir_all(dir.path().join("puzzles")).unwrap();
    let file = r#"
id = "map"
order = 1
title = "Map"
summary = "s"
statement = "s"
reference = "map"
sizes = [{ m = 1, k = 1, n = 0 }]
hints = []
starter = "x"
solution = "x"
"#;
    fs::write(dir.path().join("puzzles/bad.toml"), file).unwrap();
    let err = Content::load(dir.path()).expect_err("refused").to_string();
    assert!(err.contains("bad.toml") && err.contains("sizes"), "{err}");
    let unknown = file.replace("reference = \"map\"", "reference = \"fft\"");
    fs::write(dir.path().join("puzzles/bad.toml"), unknown).unwrap();
    let err = Content::load(dir.path()).expect_err("refused").to_string();
    assert!(err.contains("bad.toml"), "{err}");
}

/// Questions as they were before issue 25, with today's checks added.
const BEFORE_ISSUE_25: &str = include_str!("testdata/before-issue-25.toml");

fn parse_questions(text: &str) -> Vec<Question> {
    #[derive(serde::Deserialize)]
    struct File {
        questions: Vec<Question>,
    }
    toml::from_str::<File>(text).unwrap().questions
}

/// The variants each old question gets wrong, by index.
fn wrong_variants(q: &Question) -> Vec<u32> {
    arithmetic_problems(q)
        .iter()
        .map(|p| {
            let index = p
                .split("variant ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            index.parse().unwrap()
        })
        .collect()
}

#[test]
fn the_arithmetic_checks_catch_the_mistakes_of_the_second_review() {
    let old = parse_questions(BEFORE_ISSUE_25);
    let by_id = |id: &str| old.iter().find(|q| q.id == id).unwrap();

    // Finding 1: the mean of the five runs shown was computed from 5m, not 4m.
    let median = by_id("timing-median-repeats");
    assert_eq!(wrong_variants(median).len(), 12, "every variant");
    let first = &arithmetic_problems(median)[0];
    assert!(
        first.contains("traps[0].check") && first.contains("no explanation"),
        "{first}"
    );

    // Finding 3: "b / batch_s" with batch_s shown to 4 decimals misses the answer
    // by 0.47-2.5 %, more than the ±50 items/s tolerance, in 18 of 27 variants.
    let throughput = by_id("batch-throughput-amortised");
    let wrong = wrong_variants(throughput);
    assert_eq!(wrong.len(), 18, "{:#?}", arithmetic_problems(throughput));
    let problems = arithmetic_problems(throughput);
    let example = problems
        .iter()
        .find(|p| p.contains("o = 1, c = 0.01, b = 32"))
        .expect("32 items at 1.32 ms, shown as 0.0013 s");
    assert!(
        example.contains("batch_s = 0.0013") && example.contains("graded wrong"),
        "{example}"
    );

    // Finding 14: the "frac" trap equals the GPU's $2.50 at r = 120, p = 0.3, d = 1000.
    let fleet = by_id("cpu-fleet-hourly-cost");
    let problems = arithmetic_problems(fleet);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("r = 120, p = 0.3, d = 1000")
            && problems[0].contains("traps[0] and traps[2]"),
        "{}",
        problems[0]
    );

    // Start-up refuses such a file, naming the question, the field and the variant.
    let err = error_text(
        &[("01-alpha.md", LESSON)],
        &[("alpha.toml", BEFORE_ISSUE_25)],
    );
    assert!(
        err.contains("timing-median-repeats") && err.contains("traps[0].check (variant 0)"),
        "{err}"
    );
}

/// Every variant of every numeric question in `content/questions/`, each
/// problem listed (start-up stops at the first one).
#[test]
fn every_variant_of_every_shipped_numeric_question_checks_out_as_shown() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/questions");
    let mut variants = 0;
    let mut problems = Vec::new();
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        for q in parse_questions(&fs::read_to_string(&path).unwrap()) {
            if q.kind != QuestionKind::Numeric {
                continue;
            }
            variants += q.variant_count().unwrap_or(1);
            problems.extend(arithmetic_problems(&q));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(variants > 100, "only {variants} variants checked");
    let content = Content::load(dir.parent().unwrap());
    assert!(content.is_ok(), "{}", content.unwrap_err());
}

#[test]
fn a_check_over_a_number_the_learner_never_sees_is_refused() {
    // `rest` appears only in a trap's explanation, after the answer.
    let err = variant_error(|q| {
        q.replace(
            "\ncheck = \"ceil(n / b)\"",
            "\ncheck = \"batches + rest * 0\"",
        )
    });
    assert!(
        err.contains("check") && err.contains("'rest'") && err.contains("shows"),
        "{err}"
    );
    let err = variant_error(|q| q.replace("\ncheck = \"ceil(n / b)\"\n", "\n"));
    assert!(err.contains("needs a check"), "{err}");
    let err = variant_error(|q| q.replace("\ncheck = \"floor(n / b)\"\n", "\n"));
    assert!(err.contains("traps[0].check"), "{err}");
}

#[test]
fn a_number_shown_less_precisely_than_the_grader_needs_is_refused() {
    // The solution rounds n / b to a whole number before taking the ceiling:
    // 10 / 3 shown as "3" leads to 3 batches, not 4.
    let err = variant_error(|q| {
        q.replace(
            "solution = [\"ceil({{n}} / {{b}}) = {{batches}}\"]",
            "solution = [\"{{n}} / {{b}} ≈ {{per:.0}}, rounded up: {{batches}}\"]",
        )
        .replace("\ncheck = \"ceil(n / b)\"", "\ncheck = \"ceil(per)\"")
        .replace(
            "derived = [",
            "derived = [\n  { name = \"per\", formula = \"n / b\" },",
        )
    });
    assert!(
        err.contains("graded wrong") && err.contains("per = 3 as shown"),
        "{err}"
    );
    // The answer text itself shows a number the grader rejects.
    let err =
        variant_error(|q| q.replace("answer = \"{{batches}}\"", "answer = \"{{rest}} batches\""));
    assert!(err.contains("answer text shows"), "{err}");
}

#[test]
fn two_traps_on_one_number_are_refused() {
    let err = variant_error(|q| {
        q.replace(
            "[questions.variants]",
            "[[questions.traps]]\nvalue = \"floor(n / b) + 0.1\"\ncheck = \"floor(n / b) + 0.1\"\nrationale = \"Twice.\"\n\n[questions.variants]",
        )
    });
    assert!(
        err.contains("traps[0] and traps[1]") && err.contains("twice the tolerance"),
        "{err}"
    );
}

/// Lesson 4's production columns are the reference rows they name, so a
/// regenerated reference file cannot leave the lesson quoting stale numbers.
#[test]
fn lesson_4_quotes_the_production_reference_rows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = Content::load(&dir).expect("the shipped content loads");
    let set = |name: &str| {
        content
            .references()
            .iter()
            .find(|s| s.file.file_name().and_then(|f| f.to_str()) == Some(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    let (cublas, onnx) = (
        set("cublas-h200.toml"),
        set("onnxruntime-cpu-h200-host.toml"),
    );
    let text = fs::read_to_string(dir.join("lessons/04-choosing-batch-size.md")).unwrap();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip_while(|l| !(l.starts_with('|') && l.contains("PyTorch + cuBLAS (H200)")))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect();
    assert_eq!(rows.len(), 5, "the production table of lesson 4");
    assert!(
        text.contains("as of commit `4f26fec`"),
        "the H200 lab columns name the engine that measured them"
    );
    for row in rows {
        let batch: usize = row[0].replace(',', "").parse().unwrap();
        let items = |set: &ReferenceSet| {
            set.rows
                .iter()
                .find(|r| r.preset == lab_types::Preset::Medium && r.batch == batch)
                .unwrap_or_else(|| panic!("medium, b = {batch}"))
                .items_per_s
        };
        let (c, o) = (items(cublas), items(onnx));
        assert_eq!(row[3], format_number(c, Some(",")), "cuBLAS, b = {batch}");
        assert_eq!(
            row[4],
            format_number(o, Some(",")),
            "onnxruntime, b = {batch}"
        );
        assert_eq!(row[5], format!("{:.2}", c / o), "ratio, b = {batch}");
    }
}

/// Rows whose items/s are derived from GFLOP/s recorded to one decimal show
/// no more significant figures than those GFLOP/s carry (at least 2, at most 4).
#[test]
fn derived_reference_rows_claim_no_more_precision_than_they_have() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let content = Content::load(&dir).expect("the shipped content loads");
    let mut checked = 0;
    for set in content.references() {
        let derived = set
            .provenance
            .note
            .as_deref()
            .is_some_and(|n| n.contains("derived from GFLOP/s"));
        if !derived {
            continue;
        }
        for row in &set.rows {
            let carried = format!("{:.1}", row.gflops)
                .replace('.', "")
                .trim_start_matches('0')
                .len()
                .clamp(2, 4);
            let shown = format!("{:.0}", row.items_per_s)
                .trim_end_matches('0')
                .len();
            assert!(
                shown <= carried,
                "{}: {:?} b = {}: {} items/s from {} GFLOP/s",
                set.file.display(),
                row.preset,
                row.batch,
                row.items_per_s,
                row.gflops
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 30, "the two H200 files, 15 rows each");
}
