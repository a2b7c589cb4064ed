//! The teacher's dashboard, built from the class's rows and the content
//! (server only): per learner and lesson, per question, per demo.

use std::collections::HashMap;

use sqlx::SqlitePool;

use super::db::{self, ClassError, ClassRef, MemberQuestion, WrongAnswer};
use super::types::{
    CommonMistake, Dashboard, DemoRow, ItemRow, LearnerRow, LessonCell, LessonHead, MistakeKind,
};
use crate::content::{Content, Question};
use crate::lesson_body::Segment;
use crate::quiz::feedback::inline_html;
use crate::quiz::grade::within;
use crate::quiz::types::Answer;
use crate::review::{mastery, Mastery, QuestionStanding};

/// Characters of a prompt shown in the item table and the CSV.
const PROMPT_CHARS: usize = 90;

pub async fn dashboard(
    pool: &SqlitePool,
    content: &Content,
    class: &ClassRef,
) -> Result<Dashboard, ClassError> {
    let members = db::members(pool, class.id).await?;
    let records = db::member_questions(pool, class.id).await?;
    let wrong = db::wrong_answers(pool, class.id).await?;
    let runners: HashMap<String, i64> = db::demo_runners(pool, class.id)
        .await?
        .into_iter()
        .collect();

    let lessons: Vec<LessonHead> = content
        .lessons()
        .iter()
        .map(|l| LessonHead {
            slug: l.slug.clone(),
            title: l.title.clone(),
            questions: content.questions_for(&l.slug).len(),
        })
        .collect();
    let lesson_of: HashMap<&str, &str> = content
        .lessons()
        .iter()
        .flat_map(|l| {
            content
                .questions_for(&l.slug)
                .iter()
                .map(move |q| (q.id.as_str(), l.slug.as_str()))
        })
        .collect();

    let learners = members
        .iter()
        .map(|m| {
            let mut cells = vec![LessonCell::default(); lessons.len()];
            for r in records.iter().filter(|r| r.learner_id == m.learner_id) {
                // The content decides a question's lesson; removed questions drop out.
                let Some(slug) = lesson_of.get(r.question_id.as_str()) else {
                    continue;
                };
                if let Some(i) = lessons.iter().position(|l| l.slug == *slug) {
                    cells[i].answered += 1;
                    cells[i].first_try_correct += usize::from(r.first_try_correct);
                }
            }
            for (cell, lesson) in cells.iter_mut().zip(&lessons) {
                cell.mastery = lesson_mastery(content, &lesson.slug, m.learner_id, &records);
            }
            LearnerRow {
                display_name: m.display_name.clone(),
                lessons: cells,
            }
        })
        .collect();

    let items = content
        .lessons()
        .iter()
        .flat_map(|l| content.questions_for(&l.slug).iter().map(move |q| (l, q)))
        .map(|(l, q)| item_row(&l.title, q, &records, &wrong))
        .collect();

    let demos = content
        .lessons()
        .iter()
        .flat_map(|l| {
            l.body.iter().filter_map(move |s| match s {
                Segment::Demo(kind) => Some((l, kind.name())),
                _ => None,
            })
        })
        .map(|(l, demo)| DemoRow {
            lesson_title: l.title.clone(),
            demo: demo.to_string(),
            ran: runners.get(demo).copied().unwrap_or(0) as usize,
            members: members.len(),
        })
        .collect();

    Ok(Dashboard {
        class_name: class.name.clone(),
        join_code: super::codes::display_code(&class.join_code),
        locked: class.locked,
        lessons,
        learners,
        items,
        demos,
    })
}

fn item_row(
    lesson_title: &str,
    q: &Question,
    records: &[MemberQuestion],
    wrong: &[WrongAnswer],
) -> ItemRow {
    let mine: Vec<&MemberQuestion> = records.iter().filter(|r| r.question_id == q.id).collect();
    let mut to_correct: Vec<i64> = mine.iter().filter_map(|r| r.attempts_to_correct).collect();
    to_correct.sort_unstable();
    ItemRow {
        question_id: q.id.clone(),
        lesson_title: lesson_title.to_string(),
        prompt: plain_prompt(&q.prompt),
        answered: mine.len(),
        first_try_correct: mine.iter().filter(|r| r.first_try_correct).count(),
        common_mistake: common_mistake(q, wrong.iter().filter(|w| w.question_id == q.id)),
        median_attempts_to_correct: median(&to_correct),
    }
}

/// The wrong option chosen in most wrong attempts, or the numeric trap hit
/// most often; ties go to the earlier option or trap.
fn common_mistake<'a>(
    q: &Question,
    wrong: impl Iterator<Item = &'a WrongAnswer>,
) -> Option<CommonMistake> {
    let mut options = vec![0usize; q.options.len()];
    let mut traps = vec![0usize; q.traps.len()];
    // A trap's value and rationale as one learner met it: with variants, each
    // variant has its own numbers.
    let mut trap_example: Vec<Option<(f64, String)>> = vec![None; q.traps.len()];
    for w in wrong {
        let times = w.times.max(0) as usize;
        match serde_json::from_str::<Answer>(&w.answer) {
            Ok(Answer::Choices(ids)) => {
                for (i, o) in q.options.iter().enumerate() {
                    if !o.correct && ids.contains(&o.id) {
                        options[i] += times;
                    }
                }
            }
            Ok(Answer::Number(v)) => {
                let variant = w.variant.and_then(|i| u32::try_from(i).ok());
                let Ok(seen) = q.instance(variant) else {
                    continue;
                };
                let tolerance = seen.numeric().map(|n| n.tolerance).unwrap_or(0.0);
                let nearest = seen
                    .traps
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| Some((i, t.value.value()?, t)))
                    .filter(|(_, trap, _)| within(v, *trap, tolerance))
                    .min_by(|a, b| (a.1 - v).abs().total_cmp(&(b.1 - v).abs()));
                if let Some((i, value, t)) = nearest {
                    traps[i] += times;
                    trap_example[i].get_or_insert_with(|| (value, t.rationale.clone()));
                }
            }
            Err(_) => {}
        }
    }
    let best = |counts: &[usize]| {
        counts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            .map(|(i, &n)| (i, n))
    };
    if let Some((i, times)) = best(&options) {
        let o = &q.options[i];
        return Some(CommonMistake {
            kind: MistakeKind::Option {
                id: o.id.clone(),
                text_html: inline_html(&o.text),
            },
            times,
            rationale_html: inline_html(&o.rationale),
        });
    }
    let (i, times) = best(&traps)?;
    let (value, rationale) = trap_example[i].clone()?;
    Some(CommonMistake {
        kind: MistakeKind::Trap { value },
        times,
        rationale_html: inline_html(&rationale),
    })
}

/// One member's mastery of one lesson, by the rule every learner sees.
fn lesson_mastery(
    content: &Content,
    slug: &str,
    learner_id: i64,
    records: &[MemberQuestion],
) -> Mastery {
    let standings: Vec<QuestionStanding> = content
        .questions_for(slug)
        .iter()
        .map(|q| {
            let r = records
                .iter()
                .find(|r| r.learner_id == learner_id && r.question_id == q.id);
            QuestionStanding {
                answered: r.is_some(),
                latest_correct: r.is_some_and(|r| r.latest_correct),
                reviews_passed: r.map_or(0, |r| u32::try_from(r.reviews_passed).unwrap_or(0)),
            }
        })
        .collect();
    mastery(&standings)
}

fn median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0),
    }
}

/// The prompt without markdown marks, on one line, shortened.
fn plain_prompt(markdown: &str) -> String {
    let flat: String = markdown
        .chars()
        .filter(|c| !matches!(c, '`' | '*' | '$'))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= PROMPT_CHARS {
        return flat;
    }
    let short: String = flat.chars().take(PROMPT_CHARS - 1).collect();
    format!("{}…", short.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3]), Some(3.0));
        assert_eq!(median(&[1, 2, 5]), Some(2.0));
        assert_eq!(median(&[1, 2, 3, 5]), Some(2.5));
    }

    #[test]
    fn prompts_are_flattened_and_shortened() {
        assert_eq!(
            plain_prompt("What is `n`?\n\n**Pick** one"),
            "What is n? Pick one"
        );
        let long = plain_prompt(&"word ".repeat(100));
        assert!(
            long.chars().count() <= PROMPT_CHARS && long.ends_with('…'),
            "{long}"
        );
    }
}
