use leptos::prelude::*;
use leptos_meta::Title;

use super::server::list_lessons;
use super::types::LessonSummary;
use crate::review::types::{NextStep, StudyStatus};
use crate::review::Mastery;

/// The home page: what the lab is, then the lessons in order.
#[component]
pub fn HomePage() -> impl IntoView {
    let lessons = Resource::new(|| (), |_| list_lessons());
    let status = Resource::new(|| (), |_| crate::review::server::get_study_status());
    view! {
        <Title text="Inference Lab — GPU vs CPU inference, measured"/>
        <section class="hero">
            <h1>"GPU or CPU? Measure it."</h1>
            <p class="lede">
                "Five short lessons on running ML inference: how time grows with the data, how to pick "
                "a device, how to time it honestly, how to choose a batch size and what it costs. "
                "Every claim comes with an experiment that runs on this server, on its GPU and on its CPU."
            </p>
        </section>
        <section aria-labelledby="lessons-heading">
            <h2 id="lessons-heading">"Lessons"</h2>
            <Suspense fallback=|| view! { <p>"Loading lessons…"</p> }>
                {move || Suspend::new(async move {
                    match (lessons.await, status.await) {
                        (Ok(list), Ok(status)) => view! {
                            <ContinueBox
                                next=status.next.clone()
                                started=status.lessons.iter().any(|l| l.level != Mastery::NotStarted)
                            />
                            <LessonList lessons=list status=Some(status)/>
                        }
                        .into_any(),
                        (Ok(list), Err(_)) => view! { <LessonList lessons=list status=None/> }.into_any(),
                        (Err(_), _) => view! { <p class="error">"The lessons could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Where a returning learner picks up: due reviews first, then the next question.
#[component]
fn ContinueBox(next: NextStep, started: bool) -> impl IntoView {
    let (text, href, label) = match next {
        NextStep::Review { due } => (
            format!(
                "{due} answered question{} due for review.",
                if due == 1 { " is" } else { "s are" }
            ),
            "/review".to_string(),
            "Start your review".to_string(),
        ),
        NextStep::Question {
            lesson_slug,
            lesson_title,
            lesson_order,
            question_id,
            unanswered,
        } => (
            if unanswered {
                format!("Next: the practice questions of lesson {lesson_order}, {lesson_title}.")
            } else {
                format!("Try again: a question of lesson {lesson_order}, {lesson_title}, last answered wrong.")
            },
            format!("/lessons/{lesson_slug}#q-{question_id}"),
            if unanswered {
                "Continue"
            } else {
                "Try it again"
            }
            .to_string(),
        ),
        NextStep::Done => (
            "Every practice question is answered right, and nothing is due for review.".to_string(),
            "/progress".to_string(),
            "See your progress".to_string(),
        ),
    };
    // A new learner has nothing to resume: the lesson list is their start.
    started.then(|| {
        view! {
            <section class="continue" aria-labelledby="continue-heading">
                <h2 id="continue-heading">"Pick up where you left off"</h2>
                <p>{text}</p>
                <p><a class="continue-link" href=href>{label}</a></p>
            </section>
        }
    })
}

#[component]
fn LessonList(lessons: Vec<LessonSummary>, status: Option<StudyStatus>) -> impl IntoView {
    view! {
        <ol class="lesson-list">
            {lessons
                .into_iter()
                .map(|l| {
                    let href = format!("/lessons/{}", l.slug);
                    let questions = match l.question_count {
                        0 => String::new(),
                        1 => "1 practice question".to_string(),
                        n => format!("{n} practice questions"),
                    };
                    let level = status.as_ref().map(|s| s.level_of(&l.slug));
                    view! {
                        <li class="lesson-card">
                            <span class="tag">{l.topic}</span>
                            <h3><a href=href>{format!("{}. {}", l.order, l.title)}</a></h3>
                            <p>{l.summary}</p>
                            <p class="meta">
                                {questions}
                                {level.filter(|_| l.question_count > 0).map(|level| view! {
                                    " · " <span class=level.class()>{level.label()}</span>
                                })}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
