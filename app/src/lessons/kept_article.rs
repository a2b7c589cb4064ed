//! A lesson page's fixed HTML, rendered once per process (server only).
//!
//! Most of a lesson page is the same for every learner: the header, the prose,
//! the highlighted code blocks, the sources and the prev/next links. Built as
//! views on every request, they were about a third of what a lesson page cost
//! beyond the home page (release build, perf and an ablation). The first request
//! for a lesson renders its article once with a mark at each [`LivePart`] (the
//! title, the mastery badge, the demos, the practice questions), cuts the HTML
//! at the marks and keeps the pieces. Every request after it writes piece, live
//! part, piece, …: the live parts are built per request as before, and in the
//! same order, so their resources keep their ids and the hydration data is
//! unchanged. The browser builds and hydrates the whole article as before; the
//! bytes it hydrates are the same (tests below).
//!
//! Content does not change while the server runs (as for the question views in
//! `quiz/view_cache.rs`), so a kept article never goes stale.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos::tachys::html::InertElement;

use super::lesson_page::{article, LivePart};
use super::types::LessonView;

/// Articles kept at most (one per lesson, tens of KB each). Past it an article
/// is rendered on each request: slower, never wrong.
pub const MAX_KEPT_ARTICLES: usize = 64;

/// What stands for a live part while the article is rendered to be kept. Lesson
/// text cannot contain it: U+0001 is not allowed in HTML text.
const MARK: &str = "\u{1}live part\u{1}";

/// One lesson's fixed HTML: `pieces[i]` comes before `parts[i]`, and the last
/// piece after the last part.
struct Kept {
    pieces: Vec<String>,
    parts: Vec<LivePart>,
}

/// The server's kept articles, by lesson slug; provided as a context.
#[derive(Default)]
pub struct KeptArticles {
    kept: Mutex<HashMap<String, Arc<Kept>>>,
}

impl KeptArticles {
    /// How many articles are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get_or_keep(&self, lesson: &LessonView) -> Option<Arc<Kept>> {
        match self.lock() {
            all if all.contains_key(&lesson.slug) => return all.get(&lesson.slug).cloned(),
            // Full: rendered whole, so no fragment is kept per request.
            all if all.len() >= MAX_KEPT_ARTICLES => return None,
            _ => {}
        }
        let kept = Arc::new(keep(lesson)?);
        let mut all = self.lock();
        if all.len() < MAX_KEPT_ARTICLES {
            all.insert(lesson.slug.clone(), kept.clone());
        }
        Some(kept)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Kept>>> {
        // A panic while holding the lock cannot leave a half-written entry.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `lesson`'s page from its kept pieces, with `live` making each live part;
/// `None` where the server provides no cache or the article could not be cut
/// (then the caller renders it whole).
pub(super) fn spliced(lesson: &LessonView, live: impl Fn(LivePart) -> AnyView) -> Option<AnyView> {
    let cache = use_context::<Arc<KeptArticles>>()?;
    let kept = cache.get_or_keep(lesson)?;
    splice(&kept, live)
}

fn splice(kept: &Kept, live: impl Fn(LivePart) -> AnyView) -> Option<AnyView> {
    // Built first, in document order: a live part's resources take the next
    // ids, as they do in the whole article.
    let lives: Vec<AnyView> = kept.parts.iter().cloned().map(&live).collect();
    let mut pieces = kept.pieces.iter().rev();
    let mut view = inert(pieces.next()?);
    // Nested tuples, not a Vec: a Vec writes a `<!>` marker after its items.
    for (piece, part) in pieces.zip(lives.into_iter().rev()) {
        view = (inert(piece), part, view).into_any();
    }
    Some(view)
}

fn inert(piece: &str) -> AnyView {
    InertElement::new(piece.to_owned()).into_any()
}

/// Renders `lesson`'s article with a mark at each live part and cuts it there.
fn keep(lesson: &LessonView) -> Option<Kept> {
    let mut parts = Vec::new();
    let html = article(lesson.clone(), &mut |part| {
        parts.push(part);
        InertElement::new(MARK).into_any()
    })
    .to_html();
    // Each piece goes into the page as a mark where the server keeps HTML
    // (`kept_html`), as itself otherwise.
    let pieces: Vec<String> = html
        .split(MARK)
        .map(|piece| crate::kept_html::kept(piece.to_owned()))
        .collect();
    (pieces.len() == parts.len() + 1).then_some(Kept { pieces, parts })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::content::Content;
    use crate::lessons::server::lesson_view;

    fn content() -> Content {
        Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")).unwrap()
    }

    /// Stands for each live part with HTML that names it. Unit tests have no
    /// router, database or meta context for the real ones; the browser tests
    /// hydrate real lesson pages.
    fn stand_in(part: LivePart) -> AnyView {
        let text = format!("{part:?}");
        match part {
            // Text first and last: tachys separates adjacent text with markers.
            LivePart::Badge => text.into_any(),
            _ => view! { <p class="stand-in">{text}</p> }.into_any(),
        }
    }

    fn whole(lesson: &LessonView) -> String {
        Owner::new().with(|| article(lesson.clone(), &mut stand_in).to_html())
    }

    fn kept(cache: &Arc<KeptArticles>, lesson: &LessonView) -> String {
        Owner::new().with(|| {
            provide_context(cache.clone());
            spliced(lesson, stand_in)
                .expect("the article is kept")
                .to_html()
        })
    }

    #[test]
    fn every_lesson_kept_and_spliced_is_the_html_of_the_whole_article() {
        let content = content();
        let cache = Arc::new(KeptArticles::default());
        for l in content.lessons() {
            let lesson = lesson_view(&content, &l.slug).unwrap();
            let whole = whole(&lesson);
            assert!(whole.contains("<pre"), "{}: the lesson has code", l.slug);
            assert!(whole.contains("Demo("), "{}: the lesson has a demo", l.slug);
            assert_eq!(kept(&cache, &lesson), whole, "{}: first request", l.slug);
            assert_eq!(kept(&cache, &lesson), whole, "{}: kept", l.slug);
        }
        assert_eq!(cache.len(), content.lessons().len());
    }

    #[test]
    fn with_the_servers_store_the_pieces_are_marks_that_expand_to_the_article() {
        use std::io::Read;

        use crate::kept_html::KeptHtml;

        let content = content();
        let cache = Arc::new(KeptArticles::default());
        let store = Arc::new(KeptHtml::new());
        for l in content.lessons() {
            let lesson = lesson_view(&content, &l.slug).unwrap();
            let whole = whole(&lesson);
            let marked = Owner::new().with(|| {
                provide_context(cache.clone());
                provide_context(store.clone());
                spliced(&lesson, stand_in).unwrap().to_html()
            });
            assert!(
                marked.len() * 3 < whole.len(),
                "{}: the page carries marks, not the article ({} of {} bytes)",
                l.slug,
                marked.len(),
                whole.len()
            );
            assert_eq!(
                store.expand(marked.as_bytes()),
                whole.as_bytes(),
                "{}",
                l.slug
            );
            let mut gunzipped = Vec::new();
            flate2::read::GzDecoder::new(&store.gzip(marked.as_bytes()).unwrap()[..])
                .read_to_end(&mut gunzipped)
                .unwrap();
            assert_eq!(gunzipped, whole.as_bytes(), "{}", l.slug);
        }
    }

    #[test]
    fn the_live_parts_are_made_on_every_request_in_document_order() {
        let content = content();
        let lesson = lesson_view(&content, "choosing-batch-size").unwrap();
        let cache = Arc::new(KeptArticles::default());
        kept(&cache, &lesson);
        let html = kept(&cache, &lesson);
        let at = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("{needle} missing"))
        };
        let order = [
            at("Badge"),
            at("Demo(BatchSweep)"),
            at("Demo(Roofline)"),
            at("Questions("),
        ];
        assert!(order.is_sorted(), "live parts out of order: {order:?}");
        assert_eq!(html.matches("stand-in").count(), 3);
    }

    #[test]
    fn without_the_cache_nothing_is_kept() {
        let content = content();
        let lesson = lesson_view(&content, "timing-inference").unwrap();
        assert!(Owner::new().with(|| spliced(&lesson, stand_in)).is_none());
    }
}
