//! A learner's standing from their answers and review cards (server only):
//! mastery per lesson, what is due, and where to go next.

use std::collections::HashMap;

use super::db::Standing;
use super::types::{LessonMastery, NextStep, StudyStatus};
use super::{mastery, Mastery, QuestionStanding};
use crate::content::{Content, Lesson, Question};
use lab_storage::attempts::QuestionRecord;

pub type Records<'a> = HashMap<&'a str, &'a QuestionRecord>;

pub fn by_question(records: &[QuestionRecord]) -> Records<'_> {
    records
        .iter()
        .map(|r| (r.question_id.as_str(), r))
        .collect()
}

/// The lesson's mastery level (see `Mastery::rule`).
pub fn lesson_mastery(
    content: &Content,
    slug: &str,
    records: &Records<'_>,
    reviews_passed: &HashMap<String, u32>,
) -> Mastery {
    let standings: Vec<QuestionStanding> = content
        .questions_for(slug)
        .iter()
        .map(|q| {
            let record = records.get(q.id.as_str());
            QuestionStanding {
                answered: record.is_some(),
                latest_correct: record.is_some_and(|r| r.latest_correct),
                reviews_passed: reviews_passed.get(&q.id).copied().unwrap_or(0),
            }
        })
        .collect();
    mastery(&standings)
}

/// The due questions still in the content, soonest due first.
pub fn due_questions<'c>(
    content: &'c Content,
    cards: &Standing,
) -> Vec<(&'c Lesson, &'c Question)> {
    cards
        .due
        .iter()
        .filter_map(|id| {
            let (slug, q) = content.question(id)?;
            Some((content.lesson(slug)?, q))
        })
        .collect()
}

pub fn study_status(
    content: &Content,
    records: &[QuestionRecord],
    cards: &Standing,
) -> StudyStatus {
    let records = by_question(records);
    let lessons = content
        .lessons()
        .iter()
        .map(|l| LessonMastery {
            slug: l.slug.clone(),
            title: l.title.clone(),
            order: l.order,
            level: lesson_mastery(content, &l.slug, &records, &cards.reviews_passed),
        })
        .collect();
    let due = due_questions(content, cards).len();
    StudyStatus {
        lessons,
        due,
        next_due: cards.next_due.clone(),
        next: next_step(content, &records, due),
    }
}

fn next_step(content: &Content, records: &Records<'_>, due: usize) -> NextStep {
    if due > 0 {
        return NextStep::Review { due };
    }
    let first = |wanted: fn(Option<&&QuestionRecord>) -> bool| {
        content.lessons().iter().find_map(|l| {
            content
                .questions_for(&l.slug)
                .iter()
                .find(|q| wanted(records.get(q.id.as_str())))
                .map(|q| (l, q))
        })
    };
    let unanswered = first(|r| r.is_none());
    let found = unanswered
        .map(|f| (f, true))
        .or_else(|| first(|r| r.is_some_and(|r| !r.latest_correct)).map(|f| (f, false)));
    match found {
        Some(((lesson, question), unanswered)) => NextStep::Question {
            lesson_slug: lesson.slug.clone(),
            lesson_title: lesson.title.clone(),
            lesson_order: lesson.order,
            question_id: question.id.clone(),
            unanswered,
        },
        None => NextStep::Done,
    }
}
