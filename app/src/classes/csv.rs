//! The dashboard's tables as CSV files (server only): what a teacher opens in a
//! spreadsheet. Every field is quoted; text that a spreadsheet would run as a
//! formula (a display name starting with `=`) is defused with a leading `'`.

use std::collections::HashMap;

use lab_storage::db::Db;

use super::types::{Dashboard, MistakeKind, Table};
use crate::content::Content;
use crate::quiz::types::Answer;
use lab_storage::classes::{self as db, ClassError, ClassRef, MemberAttempt};

/// One of the class's CSV files, read from the database now.
pub async fn file(
    pool: &Db,
    content: &Content,
    class: &ClassRef,
    table: Table,
) -> Result<String, ClassError> {
    if table == Table::Attempts {
        let rows = db::member_attempts(pool, class.id).await?;
        return Ok(lines(&attempts(content, &rows)));
    }
    let dashboard = super::report::dashboard(pool, content, class).await?;
    Ok(render(&dashboard, table))
}

/// A table of the dashboard (every table but the attempts, which the
/// dashboard does not hold: see [`file`]).
pub fn render(d: &Dashboard, table: Table) -> String {
    let rows: Vec<Vec<String>> = match table {
        Table::Learners => learners(d),
        Table::Items => items(d),
        Table::Demos => demos(d),
        Table::Attempts => Vec::new(),
    };
    lines(&rows)
}

fn lines(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|r| r.iter().map(|f| field(f)).collect::<Vec<_>>().join(","))
        .map(|line| line + "\r\n")
        .collect()
}

/// Long format, one row per attempt: what a spreadsheet's pivot table or a
/// script wants. `correct` is 1 or 0; `time` is ISO 8601 in UTC.
fn attempts(content: &Content, rows: &[MemberAttempt]) -> Vec<Vec<String>> {
    let titles: HashMap<&str, &str> = content
        .lessons()
        .iter()
        .map(|l| (l.slug.as_str(), l.title.as_str()))
        .collect();
    let mut out = vec![[
        "learner", "lesson", "question", "attempt", "correct", "time", "answer",
    ]
    .map(String::from)
    .to_vec()];
    out.extend(rows.iter().map(|r| {
        vec![
            r.display_name.clone(),
            titles
                .get(r.lesson_slug.as_str())
                .map_or_else(|| r.lesson_slug.clone(), |t| t.to_string()),
            r.question_id.clone(),
            r.attempt.to_string(),
            if r.correct { "1" } else { "0" }.to_string(),
            r.created_at.clone(),
            answer_text(&r.answer),
        ]
    }));
    out
}

/// A stored answer as a person reads it: option ids (`a c`) or the number.
fn answer_text(json: &str) -> String {
    match serde_json::from_str::<Answer>(json) {
        Ok(Answer::Choices(ids)) => ids.join(" "),
        Ok(Answer::Number(v)) => v.to_string(),
        Err(_) => String::new(),
    }
}

fn learners(d: &Dashboard) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "learner".into(),
        "lesson".into(),
        "questions".into(),
        "answered".into(),
        "first_try_correct".into(),
        "mastery".into(),
    ]];
    for l in &d.learners {
        for (head, cell) in d.lessons.iter().zip(&l.lessons) {
            rows.push(vec![
                l.display_name.clone(),
                head.title.clone(),
                head.questions.to_string(),
                cell.answered.to_string(),
                cell.first_try_correct.to_string(),
                cell.mastery.label().to_string(),
            ]);
        }
    }
    rows
}

fn items(d: &Dashboard) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "lesson",
        "question_id",
        "prompt",
        "answered",
        "first_try_correct",
        "first_try_percent",
        "most_common_mistake",
        "mistake_times",
        "mistake_rationale",
        "median_attempts_to_correct",
        "mistake_learners",
        "example_numbers",
    ]
    .map(String::from)
    .to_vec()];
    for i in &d.items {
        let (mistake, times, rationale, learners) = match &i.common_mistake {
            Some(m) => (
                match &m.kind {
                    MistakeKind::Option { id, text_html } => {
                        format!("option {id}: {}", plain_text(text_html))
                    }
                    MistakeKind::Trap { value } => format!("answered {value}"),
                },
                m.times.to_string(),
                plain_text(&m.rationale_html),
                m.learners.to_string(),
            ),
            None => Default::default(),
        };
        rows.push(vec![
            i.lesson_title.clone(),
            i.question_id.clone(),
            i.prompt.clone(),
            i.answered.to_string(),
            i.first_try_correct.to_string(),
            i.first_try_percent()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            mistake,
            times,
            rationale,
            i.median_attempts_to_correct
                .map(|m| m.to_string())
                .unwrap_or_default(),
            learners,
            i.example_numbers.clone().unwrap_or_default(),
        ]);
    }
    rows
}

fn demos(d: &Dashboard) -> Vec<Vec<String>> {
    let mut rows = vec![vec![
        "lesson".into(),
        "demo".into(),
        "learners_who_ran_it".into(),
        "learners".into(),
    ]];
    rows.extend(d.demos.iter().map(|r| {
        vec![
            r.lesson_title.clone(),
            r.demo.clone(),
            r.ran.to_string(),
            r.members.to_string(),
        ]
    }));
    rows
}

fn field(text: &str) -> String {
    let defused = match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    };
    format!("\"{}\"", defused.replace('"', "\"\""))
}

/// Trusted content HTML as text: tags dropped, the common entities decoded.
fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("Ada"), "\"Ada\"");
        assert_eq!(field("say \"hi\", ok"), "\"say \"\"hi\"\", ok\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "\"'-1\"");
    }

    #[test]
    fn answers_read_as_text() {
        assert_eq!(answer_text(r#"{"choices":["a","c"]}"#), "a c");
        assert_eq!(answer_text(r#"{"number":2.5}"#), "2.5");
        assert_eq!(answer_text("junk"), "");
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            plain_text("Use <code>ceil</code> &amp; <em>not</em> floor &lt;"),
            "Use ceil & not floor <"
        );
    }
}
