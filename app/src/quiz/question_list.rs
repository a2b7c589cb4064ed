use leptos::prelude::*;

use super::question_card::QuestionCard;
use super::server::list_questions;
use super::types::QuestionView;
use crate::hydration::OutlineCodec;

/// The practice questions of one lesson (nothing when it has none).
#[component]
pub fn QuestionList(slug: String) -> impl IntoView {
    // Prompts, hints and options go out once, as HTML: the hydration data holds
    // their outline (and the learner's latest feedback, which is not static).
    let questions =
        Resource::<_, OutlineCodec>::new_with_options(move || slug.clone(), list_questions, false);
    view! {
        <Suspense fallback=|| view! { <p>"Loading the practice questions…"</p> }>
            // A `Suspend`, not a closure: built once per request (see `LessonContent`).
            {Suspend::new(async move {
                match questions.await {
                    Ok(qs) if qs.is_empty() => ().into_any(),
                    Ok(qs) => view! { <PracticeSection questions=qs/> }.into_any(),
                    Err(_) => view! { <p class="error">"The practice questions could not be loaded."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PracticeSection(questions: Vec<QuestionView>) -> impl IntoView {
    view! {
        <section class="practice" id="practice" aria-labelledby="practice-heading">
            <h2 id="practice-heading">"Practice"</h2>
            <p class="practice-intro">
                "Answer as often as you like: each answer is checked at once, and your first try counts on "
                <a href="/progress">"your progress page"</a> "."
            </p>
            <ol class="questions">
                {questions
                    .into_iter()
                    .enumerate()
                    .map(|(i, q)| view! { <QuestionCard question=q number=i + 1/> })
                    .collect_view()}
            </ol>
        </section>
    }
    .into_any()
}
