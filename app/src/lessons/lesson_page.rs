use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::code_block::CodeBlock;
use super::server::get_lesson;
use super::types::{LessonLink, LessonView};
use crate::experiments::DemoSlot;
use crate::hydration::OutlineCodec;
use crate::layout::NotFound;
use crate::lesson_body::{DemoKind, Segment, SourceLink};
use crate::quiz::QuestionList;
use crate::review::{Mastery, MasteryBadge};

/// `/lessons/:slug`: the lesson text with its live demos, then its practice questions.
#[component]
pub fn LessonPage() -> impl IntoView {
    let params = use_params_map();
    let slug = Memo::new(move |_| params.read().get("slug").unwrap_or_default());
    // Another lesson (a prev/next link) is a new view with its own resources.
    move || view! { <LessonContent slug=slug.get()/> }
}

/// One lesson, its slug fixed.
///
/// Why the Suspense's child is a `Suspend` and not a closure returning one: on
/// the server, leptos' `<Suspense>` walks its children up to three times (to
/// register resources, to check for nested ones, to render). A closure is
/// called on each walk, so the whole article, its demos and question cards
/// were built three times per request and every resource inside was created,
/// fetched and serialised into the page three times (leptos issue 4688). A
/// `Suspend` value resolves once and keeps its view.
#[component]
fn LessonContent(slug: String) -> impl IntoView {
    // The body goes out once, as HTML: the hydration data holds its outline.
    let lesson =
        Resource::<_, OutlineCodec>::new_with_options(move || slug.clone(), get_lesson, false);
    view! {
        <Suspense fallback=|| view! { <p>"Loading the lesson…"</p> }>
            {Suspend::new(async move {
                match lesson.await {
                    Ok(Some(l)) => view! { <LessonArticle lesson=l/> }.into_any(),
                    Ok(None) => view! { <NotFound what="lesson"/> }.into_any(),
                    Err(_) => view! { <p class="error">"The lesson could not be loaded."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What a lesson page shows that is not the same for every learner: built on
/// every request, in this order.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum LivePart {
    /// The learner's level (from the lesson's data, read per request).
    Badge,
    Demo(DemoKind),
    Questions(String),
}

fn live(part: LivePart, level: Option<Mastery>) -> AnyView {
    match part {
        LivePart::Badge => level
            .map(|level| view! { <MasteryBadge level/> })
            .into_any(),
        LivePart::Demo(kind) => view! { <DemoSlot kind/> }.into_any(),
        LivePart::Questions(slug) => view! { <QuestionList slug/> }.into_any(),
    }
}

#[component]
fn LessonArticle(lesson: LessonView) -> impl IntoView {
    let title = format!("{} — Inference Lab", lesson.title);
    // On the server the fixed parts are written as HTML kept from the first
    // request (kept_article.rs); the browser always builds the whole article.
    let level = lesson.level;
    #[cfg(feature = "ssr")]
    if let Some(kept) = super::kept_article::spliced(&lesson, |part| live(part, level)) {
        return view! { <Title text=title/> {kept} }.into_any();
    }
    view! { <Title text=title/> {article(lesson, &mut |part| live(part, level))} }.into_any()
}

/// The lesson's article, its questions and prev/next links, with `part`
/// making each [`LivePart`] (in document order).
pub(super) fn article(
    lesson: LessonView,
    part: &mut dyn FnMut(LivePart) -> AnyView,
) -> impl IntoView + use<> {
    let slug = lesson.slug.clone();
    view! {
        <article class="lesson">
            <header>
                <p class="tag">{format!("Lesson {} · {}", lesson.order, lesson.topic)}</p>
                <h1>{lesson.title}</h1>
                <p class="lede">{lesson.summary}</p>
                {part(LivePart::Badge)}
            </header>
            {lesson.body.into_iter().map(|s| render_segment(s, part)).collect_view()}
            <Sources sources=lesson.sources/>
        </article>
        {part(LivePart::Questions(slug))}
        <PrevNext prev=lesson.prev next=lesson.next/>
    }
}

fn render_segment(segment: Segment, part: &mut dyn FnMut(LivePart) -> AnyView) -> AnyView {
    match segment {
        Segment::Html(html) => view! { <div class="prose" inner_html=html></div> }.into_any(),
        Segment::Code { lang, html, .. } => view! { <CodeBlock lang html/> }.into_any(),
        Segment::Demo(kind) => part(LivePart::Demo(kind)),
    }
}

#[component]
fn Sources(sources: Vec<SourceLink>) -> impl IntoView {
    (!sources.is_empty()).then(|| {
        view! {
            <section class="sources" aria-labelledby="sources-heading">
                <h2 id="sources-heading">"Sources"</h2>
                <ul>
                    {sources
                        .into_iter()
                        .map(|s| view! { <li><a href=s.url rel="external">{s.title}</a></li> })
                        .collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn PrevNext(prev: Option<LessonLink>, next: Option<LessonLink>) -> impl IntoView {
    view! {
        <nav class="prev-next" aria-label="Lesson navigation">
            {prev.map(|p| view! { <a class="prev" rel="prev" href=format!("/lessons/{}", p.slug)>"← " {p.title}</a> })}
            {next.map(|n| view! { <a class="next" rel="next" href=format!("/lessons/{}", n.slug)>{n.title} " →"</a> })}
        </nav>
    }
}
