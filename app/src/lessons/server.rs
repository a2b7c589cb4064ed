//! Server functions that read lessons from the loaded content.

use leptos::prelude::*;

use super::types::{LessonSummary, LessonView};

#[server]
pub async fn list_lessons() -> Result<Vec<LessonSummary>, ServerFnError> {
    let content = crate::state::content()?;
    Ok(content
        .lessons()
        .iter()
        .map(|l| LessonSummary {
            slug: l.slug.clone(),
            title: l.title.clone(),
            order: l.order,
            topic: l.topic.clone(),
            summary: l.summary.clone(),
            question_count: content.questions_for(&l.slug).len(),
        })
        .collect())
}

/// `Ok(None)` when no lesson has this slug; the page answers 404.
#[server]
pub async fn get_lesson(slug: String) -> Result<Option<LessonView>, ServerFnError> {
    let content = crate::state::content()?;
    let Some(mut lesson) = lesson_view(&content, &slug) else {
        return Ok(None);
    };
    // Read with the lesson: one request for the page's data, not two.
    lesson.level = crate::review::server::learner_level(&slug).await.ok();
    Ok(Some(lesson))
}

/// The lesson `slug` as its page shows it, with links to its neighbours (the
/// learner's level left out).
#[cfg(feature = "ssr")]
pub fn lesson_view(content: &crate::content::Content, slug: &str) -> Option<LessonView> {
    use super::types::LessonLink;
    let l = content.lesson(slug)?;
    let link = |l: &crate::content::Lesson| LessonLink {
        slug: l.slug.clone(),
        title: l.title.clone(),
    };
    let (prev, next) = content.neighbours(slug);
    Some(LessonView {
        slug: l.slug.clone(),
        title: l.title.clone(),
        order: l.order,
        topic: l.topic.clone(),
        summary: l.summary.clone(),
        body: l.body.clone(),
        sources: l.sources.clone(),
        prev: prev.map(link),
        next: next.map(link),
        level: None,
    })
}
