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
                    .map(|(i, q)| card(q, i + 1))
                    .collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

/// One card of the list.
///
/// On the server, a card the learner has not answered is the same HTML for
/// everyone who sees that variant at that number, so it is rendered once per
/// process and then written as it is (an `InertElement`, leptos' element of
/// fixed HTML): per request, rendering the cards was a large share of a lesson
/// page's time. The browser hydrates the real `QuestionCard` over that HTML as
/// over any other. A card with the learner's answer is rendered each time.
fn card(question: QuestionView, number: usize) -> AnyView {
    #[cfg(feature = "ssr")]
    if question.latest.is_none() {
        if let Ok(cache) = super::view_cache::shared() {
            let html = cache.unanswered_card(&question, number, || {
                view! { <QuestionCard question=question.clone() number/> }.to_html()
            });
            return leptos::tachys::html::InertElement::new(html.to_string()).into_any();
        }
    }
    view! { <QuestionCard question=question number/> }.into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use super::*;
    use crate::content::Content;
    use crate::quiz::types::Answer;
    use crate::quiz::ViewCache;

    /// The practice list of a lesson of the real content, as a first visit sees it.
    fn unanswered(content: &Content, slug: &str) -> Vec<QuestionView> {
        let cache = ViewCache::default();
        content
            .questions_for(slug)
            .iter()
            .map(|q| {
                let variant = q.variant_count().map(|_| 0);
                (*cache.view(q, variant).unwrap()).clone()
            })
            .collect()
    }

    /// The list's HTML, with the process's card cache when `cache` is given
    /// (as the server provides it) and every card rendered live otherwise.
    fn render(cache: Option<Arc<ViewCache>>, questions: Vec<QuestionView>) -> String {
        Owner::new().with(|| {
            if let Some(cache) = cache {
                provide_context(cache);
            }
            view! { <PracticeSection questions/> }.to_html()
        })
    }

    fn content() -> Content {
        Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")).unwrap()
    }

    #[test]
    fn a_kept_card_is_the_html_the_card_renders() {
        let content = content();
        let questions = unanswered(&content, "timing-inference");
        assert!(questions.len() >= 3, "the lesson has practice questions");
        let live = render(None, questions.clone());
        let cache = Arc::new(ViewCache::default());
        let first = render(Some(cache.clone()), questions.clone());
        assert_eq!(
            cache.cards_len(),
            questions.len(),
            "every unanswered card is kept"
        );
        let kept = render(Some(cache.clone()), questions.clone());
        assert_eq!(first, live, "the first rendering differs from the live one");
        assert_eq!(kept, live, "the kept cards differ from the live ones");
        assert_eq!(cache.cards_len(), questions.len());
    }

    #[test]
    fn with_the_servers_store_a_kept_card_is_a_mark_that_expands_to_the_card() {
        let content = content();
        let questions = unanswered(&content, "timing-inference");
        let live = render(None, questions.clone());
        let cache = Arc::new(ViewCache::default());
        let store = Arc::new(crate::kept_html::KeptHtml::new());
        let marked = Owner::new().with(|| {
            provide_context(cache.clone());
            provide_context(store.clone());
            view! { <PracticeSection questions=questions.clone()/> }.to_html()
        });
        assert_eq!(store.len(), questions.len(), "one fragment per card");
        assert!(marked.len() * 2 < live.len(), "the cards are marks");
        assert_eq!(store.expand(marked.as_bytes()), live.as_bytes());
    }

    #[test]
    fn a_card_past_the_caches_limit_is_written_as_html_and_keeps_no_fragment() {
        let content = content();
        let questions = unanswered(&content, "timing-inference");
        let live = render(None, questions.clone());
        let cache = Arc::new(ViewCache::with_limit(0));
        let store = Arc::new(crate::kept_html::KeptHtml::new());
        for _ in 0..2 {
            let html = Owner::new().with(|| {
                provide_context(cache.clone());
                provide_context(store.clone());
                view! { <PracticeSection questions=questions.clone()/> }.to_html()
            });
            assert_eq!(html, live);
        }
        assert_eq!(store.len(), 0, "nothing compressed for cards not kept");
    }

    #[test]
    fn a_card_with_the_learners_answer_is_rendered_each_time() {
        let content = content();
        let slug = "timing-inference";
        let mut questions = unanswered(&content, slug);
        let answered = content.questions_for(slug)[0].clone();
        let shown = answered.instance(questions[0].variant).unwrap();
        let feedback = crate::quiz::feedback::build(&shown, Answer::Number(0.123_456), false, true);
        questions[0].latest = Some(feedback);
        let cache = Arc::new(ViewCache::default());
        let html = render(Some(cache.clone()), questions.clone());
        assert_eq!(
            cache.cards_len(),
            questions.len() - 1,
            "the answered card was kept"
        );
        assert_eq!(
            html,
            render(None, questions),
            "the answered card differs from a live one"
        );
        assert!(
            html.contains("0.123456"),
            "the learner's answer is not in the form"
        );
    }
}
