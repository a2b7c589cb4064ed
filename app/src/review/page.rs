//! `/review` and the mastery badge of a lesson.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server::get_review;
use super::types::{ReviewItem, ReviewView};
use super::Mastery;
use crate::quiz::QuestionCard;

/// `/review`: the questions FSRS says are due, one at a time, with the same
/// feedback as in the lessons. Works without JavaScript: the answer form posts,
/// and the server sends the browser to `/review?answered=<id>`.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let query = use_query_map();
    let review = Resource::new(move || query.read().get("answered"), get_review);
    view! {
        <Title text="Review — Inference Lab"/>
        <section class="review-page" aria-labelledby="review-heading">
            <h1 id="review-heading">"Review"</h1>
            <p class="lede">
                "Questions you answered come back here days later, when you are about to forget "
                "them: a right answer pushes a question further out, a wrong one brings it back sooner "
                "(the FSRS schedule, the one Anki uses)."
            </p>
            <Suspense fallback=|| view! { <p>"Loading your reviews…"</p> }>
                {move || Suspend::new(async move {
                    match review.await {
                        Ok(r) => view! { <ReviewBody review=r/> }.into_any(),
                        Err(_) => view! { <p class="error">"Your reviews could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ReviewBody(review: ReviewView) -> impl IntoView {
    let ReviewView {
        due,
        next_due,
        next_due_in,
        current,
    } = review;
    let count = match due {
        0 => "Nothing is due for review now.".to_string(),
        1 => "1 question is due for review.".to_string(),
        n => format!("{n} questions are due for review."),
    };
    let later = (due == 0).then(|| match next_due {
        Some(at) => view! {
            <p>
                {match &next_due_in {
                    Some(d) => format!("The next question falls due {d} ("),
                    None => "The next question falls due on ".to_string(),
                }}
                <time datetime=at.clone()>{readable_time(&at)}</time>
                {if next_due_in.is_some() { ")." } else { "." }}
            </p>
            // Day 1 is not a dead end: practice counts towards mastery at any time,
            // it only does not move the review schedule before a question is due.
            <p class="practise-now">
                <a href="/">"Practise now"</a>
                ": answer any lesson's questions again. That counts for your mastery; this page "
                "fills up as questions fall due."
            </p>
        }
        .into_any(),
        None => view! {
            <p>"Answer the practice questions at the end of a " <a href="/">"lesson"</a> ": they come back here."</p>
        }
        .into_any(),
    });
    view! {
        <p class="review-count" role="status">{count}</p>
        {later}
        {current.map(|item| view! { <ReviewCard item/> })}
    }
    .into_any()
}

#[component]
fn ReviewCard(item: ReviewItem) -> impl IntoView {
    let ReviewItem {
        lesson_slug,
        lesson_title,
        lesson_order,
        question,
        answered: _,
    } = item;
    view! {
        <p class="review-from">
            "From "
            <a href=format!("/lessons/{lesson_slug}")>{format!("Lesson {lesson_order}: {lesson_title}")}</a>
        </p>
        <ol class="questions">
            <QuestionCard question number=1 review=true/>
        </ol>
    }
}

/// `2026-12-01T10:00:00.000Z` → `2026-12-01 10:00 UTC`.
fn readable_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// The learner's mastery level of one lesson, linking to how it is computed.
#[component]
pub fn MasteryBadge(level: Mastery) -> impl IntoView {
    view! {
        <p class="mastery-line">
            "Your level: "
            <a class=level.class() href="/progress#mastery" title=level.rule()>{level.label()}</a>
        </p>
    }
}
