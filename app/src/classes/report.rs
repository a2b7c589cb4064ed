//! The teacher's dashboard, built from the class's rows and the content
//! (server only): per learner and lesson, per question, per demo.

use std::collections::{HashMap, HashSet};

use lab_storage::db::Db;

use super::types::{
    CommonMistake, Dashboard, DemoRow, ItemRow, LearnerAnswer, LearnerRow, LessonCell, LessonHead,
    MistakeKind,
};
use crate::content::{Content, Question};
use crate::lesson_body::Segment;
use crate::quiz::feedback::inline_html;
use crate::quiz::grade::within;
use crate::quiz::types::Answer;
use crate::review::{mastery, Mastery, QuestionStanding};
use lab_storage::classes::{self as db, ClassError, ClassRef, MemberQuestion, WrongAnswer};

/// Characters of a prompt shown in the item table and the CSV, at most.
const PROMPT_CHARS: usize = 140;

pub async fn dashboard(
    pool: &Db,
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

    // By (member, question): each lookup below is then one hash probe, not
    // a scan of every row of the class (200 members × every question).
    let record_of: HashMap<(i64, &str), &MemberQuestion> = records
        .iter()
        .map(|r| ((r.learner_id, r.question_id.as_str()), r))
        .collect();
    let mut wrong_of: HashMap<(i64, &str), Vec<&WrongAnswer>> = HashMap::new();
    for w in &wrong {
        wrong_of
            .entry((w.learner_id, w.question_id.as_str()))
            .or_default()
            .push(w);
    }
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
                cell.mastery = lesson_mastery(content, &lesson.slug, m.learner_id, &record_of);
            }
            LearnerRow {
                display_name: m.display_name.clone(),
                lessons: cells,
                answers: learner_answers(content, m.learner_id, &record_of, &wrong_of),
            }
        })
        .collect();

    let mut items: Vec<ItemRow> = content
        .lessons()
        .iter()
        .flat_map(|l| content.questions_for(&l.slug).iter().map(move |q| (l, q)))
        .map(|(l, q)| item_row(&l.title, q, &records, &wrong))
        .collect();
    sort_by_difficulty(&mut items);

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
        join_code: lab_storage::codes::display_code(&class.join_code),
        origin: String::new(),
        join_qr_svg: String::new(),
        locked: class.locked,
        lessons,
        learners,
        items,
        demos,
    })
}

/// Answered questions first, the lowest first-try rate first (ties: more
/// answers first, then lesson order); the unanswered keep lesson order.
fn sort_by_difficulty(items: &mut [ItemRow]) {
    items.sort_by(|a, b| {
        let rate = |i: &ItemRow| i.first_try_correct as f64 / i.answered.max(1) as f64;
        (a.answered == 0)
            .cmp(&(b.answered == 0))
            .then(rate(a).total_cmp(&rate(b)))
            .then(b.answered.cmp(&a.answered))
    });
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
    let (prompt, example_numbers) = preview(q);
    ItemRow {
        question_id: q.id.clone(),
        lesson_title: lesson_title.to_string(),
        prompt,
        example_numbers,
        answered: mine.len(),
        first_try_correct: mine.iter().filter(|r| r.first_try_correct).count(),
        common_mistake: common_mistake(q, wrong.iter().filter(|w| w.question_id == q.id)),
        median_attempts_to_correct: median(&to_correct),
    }
}

/// The prompt as a teacher previews it: a question with variants shows its
/// first variant's numbers (and says which), never a raw `{{placeholder}}`.
fn preview(q: &Question) -> (String, Option<String>) {
    match q.instance(None) {
        Ok(example) => (
            plain_prompt(&example.prompt),
            example.drawn.as_ref().map(|n| n.describe()),
        ),
        // Content is validated at start-up, so this does not happen; the raw
        // text is still better than nothing.
        Err(_) => (plain_prompt(&q.prompt), None),
    }
}

/// One learner's record on every question they answered, in lesson order,
/// with the wrong answer they gave most often.
fn learner_answers(
    content: &Content,
    learner_id: i64,
    record_of: &HashMap<(i64, &str), &MemberQuestion>,
    wrong_of: &HashMap<(i64, &str), Vec<&WrongAnswer>>,
) -> Vec<LearnerAnswer> {
    content
        .lessons()
        .iter()
        .flat_map(|l| content.questions_for(&l.slug))
        .filter_map(|q| {
            let key = (learner_id, q.id.as_str());
            let r = record_of.get(&key)?;
            let theirs = wrong_of.get(&key).into_iter().flatten().copied();
            Some(LearnerAnswer {
                question_id: q.id.clone(),
                attempts: usize::try_from(r.attempts).unwrap_or(0),
                first_try_correct: r.first_try_correct,
                attempts_to_correct: r.attempts_to_correct.and_then(|n| usize::try_from(n).ok()),
                mistake: common_mistake(q, theirs).map(|m| m.kind),
            })
        })
        .collect()
}

/// The wrong option chosen by most learners (then in most wrong attempts),
/// or the numeric trap hit that way; ties go to the earlier option or trap.
fn common_mistake<'a>(
    q: &Question,
    wrong: impl Iterator<Item = &'a WrongAnswer>,
) -> Option<CommonMistake> {
    // Per option and trap: wrong attempts, and the learners who gave them.
    let mut options = vec![(0usize, HashSet::new()); q.options.len()];
    let mut traps = vec![(0usize, HashSet::new()); q.traps.len()];
    // A trap's value and rationale as one learner met it: with variants, each
    // variant has its own numbers.
    let mut trap_example: Vec<Option<(f64, String)>> = vec![None; q.traps.len()];
    for w in wrong {
        let times = w.times.max(0) as usize;
        match serde_json::from_str::<Answer>(&w.answer) {
            Ok(Answer::Choices(ids)) => {
                for (i, o) in q.options.iter().enumerate() {
                    if !o.correct && ids.contains(&o.id) {
                        options[i].0 += times;
                        options[i].1.insert(w.learner_id);
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
                    traps[i].0 += times;
                    traps[i].1.insert(w.learner_id);
                    trap_example[i].get_or_insert_with(|| (value, t.rationale.clone()));
                }
            }
            Err(_) => {}
        }
    }
    let best = |counts: &[(usize, HashSet<i64>)]| {
        counts
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| *n > 0)
            .max_by(|(i, a), (j, b)| a.1.len().cmp(&b.1.len()).then(a.0.cmp(&b.0)).then(j.cmp(i)))
            .map(|(i, (n, who))| (i, *n, who.len()))
    };
    if let Some((i, times, learners)) = best(&options) {
        let o = &q.options[i];
        return Some(CommonMistake {
            kind: MistakeKind::Option {
                id: o.id.clone(),
                text_html: inline_html(&o.text),
            },
            times,
            learners,
            rationale_html: inline_html(&o.rationale),
        });
    }
    let (i, times, learners) = best(&traps)?;
    let (value, rationale) = trap_example[i].clone()?;
    Some(CommonMistake {
        kind: MistakeKind::Trap { value },
        times,
        learners,
        rationale_html: inline_html(&rationale),
    })
}

/// One member's mastery of one lesson, by the rule every learner sees.
fn lesson_mastery(
    content: &Content,
    slug: &str,
    learner_id: i64,
    record_of: &HashMap<(i64, &str), &MemberQuestion>,
) -> Mastery {
    let standings: Vec<QuestionStanding> = content
        .questions_for(slug)
        .iter()
        .map(|q| {
            let r = record_of.get(&(learner_id, q.id.as_str()));
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

/// The prompt without markdown marks, on one line, shortened at a word
/// boundary (a single overlong word is cut, with the ellipsis).
pub fn plain_prompt(markdown: &str) -> String {
    let flat: String = markdown
        .chars()
        .filter(|c| !matches!(c, '`' | '*' | '$'))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= PROMPT_CHARS {
        return flat;
    }
    // Room for the ellipsis; then back to the last space in that room.
    let room: String = flat.chars().take(PROMPT_CHARS - 1).collect();
    let words = match room.rfind(' ') {
        Some(space) if space > 0 => &room[..space],
        _ => room.as_str(),
    };
    let words = words.trim_end_matches([',', ';', ':', ' ', '(', '—', '-']);
    format!("{words}…")
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

    #[test]
    fn prompts_are_never_cut_mid_word() {
        let text = "throughput ".repeat(30);
        let short = plain_prompt(&text);
        let kept = short.trim_end_matches('…');
        assert!(kept.split(' ').all(|w| w == "throughput"), "{short}");
        let one_word = plain_prompt(&"x".repeat(500));
        assert_eq!(one_word.chars().count(), PROMPT_CHARS);
    }

    fn item(id: &str, answered: usize, first_try: usize) -> ItemRow {
        ItemRow {
            question_id: id.into(),
            lesson_title: "L".into(),
            prompt: id.into(),
            example_numbers: None,
            answered,
            first_try_correct: first_try,
            common_mistake: None,
            median_attempts_to_correct: None,
        }
    }

    #[test]
    fn the_hardest_answered_questions_come_first_and_the_unanswered_last() {
        let mut items = vec![
            item("never-1", 0, 0),
            item("easy", 4, 4),
            item("hard", 4, 1),
            item("never-2", 0, 0),
            item("half-of-2", 2, 1),
            item("half-of-4", 4, 2),
        ];
        sort_by_difficulty(&mut items);
        let order: Vec<&str> = items.iter().map(|i| i.question_id.as_str()).collect();
        assert_eq!(
            order,
            [
                "hard",
                "half-of-4",
                "half-of-2",
                "easy",
                "never-1",
                "never-2"
            ]
        );
    }

    #[test]
    fn every_question_previews_without_placeholders() {
        let content = crate::content::Content::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../content"
        )))
        .unwrap();
        let mut with_variants = 0;
        for lesson in content.lessons() {
            for q in content.questions_for(&lesson.slug) {
                let (prompt, numbers) = preview(q);
                assert!(!prompt.contains("{{"), "{}: {prompt}", q.id);
                if q.variant_count().is_some() {
                    with_variants += 1;
                    assert!(numbers.is_some_and(|n| n.contains(" = ")), "{}", q.id);
                }
            }
        }
        assert!(with_variants > 0, "the content has questions with variants");
    }
}
