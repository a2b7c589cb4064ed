use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::code_block::CodeBlock;
use super::server::get_lesson;
use super::types::{LessonLink, LessonView};
use crate::experiments::DemoSlot;
use crate::layout::NotFound;
use crate::lesson_body::{Segment, SourceLink};
use crate::quiz::QuestionList;

/// `/lessons/:slug`: the lesson text with its live demos, then its practice questions.
#[component]
pub fn LessonPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let lesson = Resource::new(slug, fetch_lesson);
    view! {
        <Suspense fallback=|| view! { <p>"Loading the lesson…"</p> }>
            {move || Suspend::new(async move {
                match lesson.await {
                    Ok(Some(l)) => view! { <LessonArticle lesson=l/> }.into_any(),
                    Ok(None) => view! { <NotFound what="lesson"/> }.into_any(),
                    Err(_) => view! { <p class="error">"The lesson could not be loaded."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A lesson's body is static and most of the page: it must not go out twice, as
/// HTML and again as hydration data. So while rendering on the server, the page's
/// resource (which is serialised into the page for hydration) holds only the
/// body's outline — which segment is prose, code or a demo — and the HTML is
/// rendered from the loaded content directly ([`LessonArticle`]). The browser
/// hydrates the outline around the server's HTML: an `inner_html` hydrated from
/// the server keeps the server's nodes. When the learner navigates to another
/// lesson in the browser, this runs there and fetches the whole lesson.
async fn fetch_lesson(slug: String) -> Result<Option<LessonView>, ServerFnError> {
    let lesson = get_lesson(slug).await;
    #[cfg(feature = "ssr")]
    let lesson = lesson.map(|l| l.map(LessonView::outline));
    lesson
}

/// The segments to render: on the server the whole body from the content (the
/// resource holds the outline, see [`fetch_lesson`]); in the browser what the
/// resource holds (the outline while hydrating, the whole body after navigation).
fn body_to_render(lesson: &mut LessonView) -> Vec<Segment> {
    #[cfg(feature = "ssr")]
    if let Some(body) = crate::state::content()
        .ok()
        .and_then(|c| c.lesson(&lesson.slug).map(|l| l.body.clone()))
    {
        return body;
    }
    std::mem::take(&mut lesson.body)
}

#[component]
fn LessonArticle(mut lesson: LessonView) -> impl IntoView {
    let slug = lesson.slug.clone();
    let body = body_to_render(&mut lesson);
    view! {
        <Title text=format!("{} — Inference Lab", lesson.title)/>
        <article class="lesson">
            <header>
                <p class="tag">{format!("Lesson {} · {}", lesson.order, lesson.topic)}</p>
                <h1>{lesson.title}</h1>
                <p class="lede">{lesson.summary}</p>
            </header>
            {body.into_iter().map(render_segment).collect_view()}
            <Sources sources=lesson.sources/>
        </article>
        <QuestionList slug=slug/>
        <PrevNext prev=lesson.prev next=lesson.next/>
    }
}

fn render_segment(segment: Segment) -> AnyView {
    match segment {
        Segment::Html(html) => view! { <div class="prose" inner_html=html></div> }.into_any(),
        Segment::Code { lang, html, .. } => view! { <CodeBlock lang html/> }.into_any(),
        Segment::Demo(kind) => view! { <DemoSlot kind/> }.into_any(),
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
