//! The learner's saved runs on `/lab`, each with its shareable link and a
//! side-by-side comparison with the run before it.

use leptos::prelude::*;

use super::server::run_history;

#[component]
pub fn RunHistory(
    /// Bumped when a new run is saved, to reload the list.
    version: ReadSignal<u32>,
) -> impl IntoView {
    let history = Resource::new(move || version.get(), |_| run_history());
    view! {
        <section class="run-history" aria-labelledby="history-heading">
            <h2 id="history-heading">"Your runs"</h2>
            <Transition fallback=|| view! { <p>"Loading your runs…"</p> }>
                {move || Suspend::new(async move {
                    match history.await {
                        Ok(runs) if runs.is_empty() => {
                            view! { <p>"No runs yet. Your runs are kept here, each with a link you can share."</p> }.into_any()
                        }
                        Ok(runs) => {
                            let ids: Vec<String> = runs.iter().map(|r| r.id.clone()).collect();
                            view! {
                                <ol class="history">
                                    {runs.into_iter().enumerate().map(|(i, r)| {
                                        let previous = ids.get(i + 1).cloned();
                                        view! {
                                            <li>
                                                <a href=format!("/lab/runs/{}", r.id)>{r.title}</a>
                                                <span class="run-meta">
                                                    {format!(" — {} · {} UTC", r.adapter, r.created_at.replace('T', " ").trim_end_matches('Z'))}
                                                </span>
                                                {previous.map(|p| view! {
                                                    " · " <a href=format!("/lab/runs/{}?compare={p}", r.id)>"compare with the previous run"</a>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }
                        Err(_) => view! { <p class="error">"Your runs could not be loaded."</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
