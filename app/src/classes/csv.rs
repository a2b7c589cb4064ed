//! The dashboard's tables as CSV files (server only): what a teacher opens in a
//! spreadsheet. Every field is quoted; text that a spreadsheet would run as a
//! formula (a display name starting with `=`) is defused with a leading `'`.

use super::types::{Dashboard, MistakeKind, Table};

pub fn render(d: &Dashboard, table: Table) -> String {
    let rows: Vec<Vec<String>> = match table {
        Table::Learners => learners(d),
        Table::Items => items(d),
        Table::Demos => demos(d),
    };
    rows.iter()
        .map(|r| r.iter().map(|f| field(f)).collect::<Vec<_>>().join(","))
        .map(|line| line + "\r\n")
        .collect()
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
    ]
    .map(String::from)
    .to_vec()];
    for i in &d.items {
        let (mistake, times, rationale) = match &i.common_mistake {
            Some(m) => (
                match &m.kind {
                    MistakeKind::Option { id, text_html } => {
                        format!("option {id}: {}", plain_text(text_html))
                    }
                    MistakeKind::Trap { value } => format!("answered {value}"),
                },
                m.times.to_string(),
                plain_text(&m.rationale_html),
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
    fn html_becomes_text() {
        assert_eq!(
            plain_text("Use <code>ceil</code> &amp; <em>not</em> floor &lt;"),
            "Use ceil & not floor <"
        );
    }
}
