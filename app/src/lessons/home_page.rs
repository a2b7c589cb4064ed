use leptos::prelude::*;
use leptos_meta::Title;

use super::server::list_lessons;
use super::types::LessonSummary;

/// The home page: what the lab is, then the lessons in order.
#[component]
pub fn HomePage() -> impl IntoView {
    let lessons = Resource::new(|| (), |_| list_lessons());
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
                    match lessons.await {
                        Ok(list) => view! { <LessonList lessons=list/> }.into_any(),
                        Err(_) => view! { <p class="error">"The lessons could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn LessonList(lessons: Vec<LessonSummary>) -> impl IntoView {
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
                    view! {
                        <li class="lesson-card">
                            <span class="tag">{l.topic}</span>
                            <h3><a href=href>{format!("{}. {}", l.order, l.title)}</a></h3>
                            <p>{l.summary}</p>
                            <p class="meta">{questions}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
