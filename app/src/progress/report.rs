//! Progress computed from stored attempts and the current content (server only).
//!
//! Attempts on questions that are no longer in the content stay in the database;
//! they are left out of the page and counted apart in the download.

use std::collections::HashMap;

use lab_storage::db::Db;
use serde::Serialize;

use super::types::{LessonProgress, ProgressView, Tally};
use crate::content::Content;
use lab_storage::attempts::{self as db, QuestionRecord};

/// The progress page's data; an unknown learner (`None`) has answered nothing.
pub async fn progress(
    pool: &Db,
    content: &Content,
    learner: Option<i64>,
) -> Result<ProgressView, sqlx::Error> {
    let (records, solved) = match learner {
        Some(id) => (
            db::question_records(pool, id).await?,
            lab_storage::puzzles::solved(pool, id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let mut view = summarise(content, &records);
    // Only puzzles still in the content count.
    view.puzzles_solved = content
        .puzzles()
        .iter()
        .filter(|p| solved.contains(&p.id))
        .count();
    Ok(view)
}

pub fn summarise(content: &Content, records: &[QuestionRecord]) -> ProgressView {
    let by_question: HashMap<&str, &QuestionRecord> = records
        .iter()
        .map(|r| (r.question_id.as_str(), r))
        .collect();
    let lessons: Vec<LessonProgress> = content
        .lessons()
        .iter()
        .map(|lesson| {
            let mut tally = Tally::default();
            for q in content.questions_for(&lesson.slug) {
                tally.questions += 1;
                if let Some(r) = by_question.get(q.id.as_str()) {
                    tally.answered += 1;
                    tally.correct += usize::from(r.latest_correct);
                    tally.first_try_correct += usize::from(r.first_try_correct);
                }
            }
            LessonProgress {
                slug: lesson.slug.clone(),
                title: lesson.title.clone(),
                order: lesson.order,
                tally,
            }
        })
        .collect();
    let mut overall = Tally::default();
    lessons.iter().for_each(|l| overall.add(&l.tally));
    let next = lessons.iter().find(|l| l.tally.needs_practice()).cloned();
    ProgressView {
        lessons,
        overall,
        next,
        puzzles_solved: 0,
        puzzles_total: content.puzzles().len(),
    }
}

/// Attempts in one export at most (the newest); older ones are counted.
pub const MAX_EXPORTED_ATTEMPTS: i64 = 5_000;

/// The downloadable record: the summary and the latest attempts.
#[derive(Debug, Serialize)]
pub struct ProgressExport {
    pub format: &'static str,
    pub summary: Tally,
    pub percent_correct: u32,
    pub lessons: Vec<LessonProgress>,
    pub attempts: Vec<ExportedAttempt>,
    /// Older attempts not in this file (only the newest
    /// `MAX_EXPORTED_ATTEMPTS` are exported; the summary counts them all).
    pub older_attempts_left_out: i64,
    /// Attempts on questions that have since been removed from the content.
    pub unknown_question_attempts: usize,
}

#[derive(Debug, Serialize)]
pub struct ExportedAttempt {
    pub lesson_slug: String,
    pub question_id: String,
    pub answer: serde_json::Value,
    pub correct: bool,
    pub first_try: bool,
    pub created_at: String,
    pub question_in_content: bool,
}

pub async fn export(
    pool: &Db,
    content: &Content,
    learner: Option<i64>,
) -> Result<ProgressExport, sqlx::Error> {
    let (records, (attempts, older_attempts_left_out)) = match learner {
        Some(id) => (
            db::question_records(pool, id).await?,
            db::latest_attempts(pool, id, MAX_EXPORTED_ATTEMPTS).await?,
        ),
        None => (Vec::new(), (Vec::new(), 0)),
    };
    let view = summarise(content, &records);
    let attempts: Vec<ExportedAttempt> = attempts
        .into_iter()
        .map(|a| ExportedAttempt {
            question_in_content: content.question(&a.question_id).is_some(),
            answer: serde_json::from_str(&a.answer).unwrap_or(serde_json::Value::String(a.answer)),
            lesson_slug: a.lesson_slug,
            question_id: a.question_id,
            correct: a.correct,
            first_try: a.first_try,
            created_at: a.created_at,
        })
        .collect();
    Ok(ProgressExport {
        format: "inference-lab-progress/1",
        percent_correct: view.overall.percent_correct(),
        summary: view.overall,
        lessons: view.lessons,
        unknown_question_attempts: attempts.iter().filter(|a| !a.question_in_content).count(),
        attempts,
        older_attempts_left_out,
    })
}
