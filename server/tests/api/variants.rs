//! Questions with variants over HTTP: each attempt shows numbers drawn for the
//! learner and attempt, and an answer is graded against the numbers it answers.

use app::content::Content;
use serde_json::Value;

use crate::helpers::{spawn_app, workspace_path, TestApp};
use crate::quiz::{answer, count_rows, new_browser};

const LESSON: &str = "/lessons/choosing-batch-size";
const QUESTION: &str = "batch-throughput-amortised";

/// The variant the lesson page shows for the question, read from its form.
async fn shown_variant(app: &TestApp, client: &reqwest::Client) -> u32 {
    let page = client
        .get(app.url(LESSON))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let card = &page[page
        .find(&format!("id=\"q-{QUESTION}\""))
        .expect("the question")..];
    let field = "name=\"variant\" value=\"";
    let start = card.find(field).expect("a variant field") + field.len();
    card[start..start + card[start..].find('"').unwrap()]
        .parse()
        .unwrap()
}

fn content() -> Content {
    Content::load(&workspace_path("content")).unwrap()
}

/// The right answer to one variant, as text for the form.
fn right_answer(content: &Content, variant: u32) -> String {
    let (_, q) = content.question(QUESTION).unwrap();
    q.instance(Some(variant))
        .unwrap()
        .numeric()
        .unwrap()
        .value
        .to_string()
}

#[tokio::test]
async fn an_answer_is_graded_against_the_numbers_it_answers() {
    let app = spawn_app().await;
    let learner = new_browser();
    let content = content();
    let shown = shown_variant(&app, &learner).await;
    let right = right_answer(&content, shown);
    let variant = shown.to_string();

    let resp = answer(
        &app,
        &learner,
        QUESTION,
        &[("value", &right), ("variant", &variant)],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let feedback: Value = resp.json().await.unwrap();
    assert_eq!(feedback["correct"], true);
    assert_eq!(feedback["variant"], shown);
    let (_, q) = content.question(QUESTION).unwrap();
    let numbers = q
        .instance(Some(shown))
        .unwrap()
        .drawn
        .clone()
        .unwrap()
        .describe();
    assert_eq!(feedback["numbers"], numbers.as_str());

    // The same number given for other numbers is wrong.
    let other = (0..27)
        .find(|v| right_answer(&content, *v) != right)
        .unwrap()
        .to_string();
    let resp = answer(
        &app,
        &learner,
        QUESTION,
        &[("value", &right), ("variant", &other)],
    )
    .await;
    let feedback: Value = resp.json().await.unwrap();
    assert_eq!(feedback["correct"], false);
}

#[tokio::test]
async fn each_attempt_draws_numbers_for_the_learner_and_attempt() {
    let app = spawn_app().await;
    let learner = new_browser();
    let mut shown = Vec::new();
    for _ in 0..4 {
        let v = shown_variant(&app, &learner).await;
        let resp = answer(
            &app,
            &learner,
            QUESTION,
            &[("value", "1"), ("variant", &v.to_string())],
        )
        .await;
        assert_eq!(resp.status(), 200);
        shown.push(v);
    }
    shown.sort();
    shown.dedup();
    assert!(
        shown.len() > 1,
        "four attempts all showed variant {shown:?}"
    );
    // A reload without answering keeps the numbers.
    assert_eq!(
        shown_variant(&app, &learner).await,
        shown_variant(&app, &learner).await
    );
}

#[tokio::test]
async fn a_missing_or_foreign_variant_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let learner = new_browser();
    for fields in [
        vec![("value", "1")],
        vec![("value", "1"), ("variant", "27")],
        vec![("value", "1"), ("variant", "-1")],
        vec![("value", "1"), ("variant", "x")],
    ] {
        let resp = answer(&app, &learner, QUESTION, &fields).await;
        assert_eq!(resp.status(), 400, "{fields:?}");
        let body = resp.text().await.unwrap();
        assert!(body.contains("numbers"), "{body}");
    }
    // A fixed question takes no variant.
    let resp = answer(
        &app,
        &learner,
        crate::quiz::NUMERIC,
        &[("value", "16"), ("variant", "0")],
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(count_rows(&app, "attempts").await, 0);
    assert_eq!(count_rows(&app, "learners").await, 0);
}
