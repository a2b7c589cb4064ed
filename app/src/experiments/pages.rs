//! `/lab` (the panel and the learner's history) and `/lab/runs/:id` (a saved run,
//! read-only, optionally beside another with `?compare=ID`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::devices::LabDevices;
use super::history::RunHistory;
use super::panel::PanelMode;
use super::results::SavedRunView;
use super::server::{get_run, run_history};
use super::sized::SizedPanel;
use crate::layout::NotFound;

#[component]
pub fn LabPage() -> impl IntoView {
    let query = use_query_map();
    // Read once: afterwards the panel owns the settings and writes them back to the URL.
    let settings = query.get_untracked();
    // A code, never text from the URL: unknown codes show nothing.
    let error = query.get_untracked().get("error").and_then(|code| {
        super::error_code::message(&code, query.get_untracked().get("field").as_deref())
    });
    let (version, set_version) = signal(0u32);
    let on_saved = Callback::new(move |_id: String| set_version.update(|v| *v += 1));
    view! {
        <Title text="Lab — Inference Lab"/>
        <article class="lab">
            <header>
                <h1>"Lab"</h1>
                <p class="lede">
                    "Run the same model on this server's GPU and CPU and compare. Every number is measured now, on this machine; "
                    "when the GPU is software emulation the results say so."
                </p>
            </header>
            {error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <LabDevices/>
            <SizedPanel mode=PanelMode::Full query=settings on_saved/>
            <super::roofline::RoofsSection/>
        </article>
        <RunHistory version/>
    }
}

#[component]
pub fn RunPage() -> impl IntoView {
    // The page's URL is the capability to read the run: never send it on.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            axum::http::header::REFERRER_POLICY,
            axum::http::HeaderValue::from_static("no-referrer"),
        );
    }
    let params = use_params_map();
    let query = use_query_map();
    let ids = move || {
        (
            params.read().get("id").unwrap_or_default(),
            query.read().get("compare"),
        )
    };
    let runs = Resource::new(ids, |(id, compare)| async move {
        let main = get_run(id).await?;
        let other = match compare {
            Some(c) if !c.is_empty() => get_run(c).await?,
            _ => None,
        };
        Ok::<_, lab_types::LabError>((main, other))
    });
    view! {
        <Title text="Saved run — Inference Lab"/>
        <Suspense fallback=|| view! { <p>"Loading the run…"</p> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok((Some(main), other)) => {
                        let compare_form = view! { <CompareForm run_id=main.id.clone()/> };
                        match other {
                            Some(other) => view! {
                                <h1>"Two runs side by side"</h1>
                                <div class="compare">
                                    <SavedRunView run=main top_level=true/>
                                    <SavedRunView run=other top_level=true/>
                                </div>
                            }.into_any(),
                            // `#result`: where a plain form post's redirect lands.
                            None => view! {
                                <h1>"Saved run"</h1>
                                <div id="result">
                                    <SavedRunView run=main top_level=true/>
                                </div>
                                {compare_form}
                                <p><a href="/lab">"Run your own in the lab"</a></p>
                            }.into_any(),
                        }
                    }
                    Ok((None, _)) => view! { <NotFound what="run"/> }.into_any(),
                    Err(_) => view! { <p class="error">"The run could not be loaded."</p> }.into_any(),
                }
            })}
        </Suspense>
        // A lesson sweep's prediction (`?prediction=ID`, the learner's own only),
        // outside the run's Suspense: a resource must not be created inside another's.
        <crate::predictions::PredictionResult param="prediction"/>
    }
}

/// Picks another of the learner's own runs to show beside this one (a plain GET
/// form: `?compare=ID`). Someone without runs of their own is sent to the lab.
#[component]
fn CompareForm(run_id: String) -> impl IntoView {
    let history = Resource::new(|| (), |_| run_history());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let run_id = run_id.clone();
                Suspend::new(async move {
                    let others: Vec<_> = history
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|r| r.id != run_id)
                        .collect();
                    if others.is_empty() {
                        return view! {
                            <p class="compare-form">"Runs you make in the lab can be compared with this one, side by side."</p>
                        }
                        .into_any();
                    }
                    view! {
                        <form class="compare-form" method="get" action=format!("/lab/runs/{run_id}")>
                            <label>
                                "Compare with one of your runs "
                                <select name="compare" required>
                                    {others
                                        .into_iter()
                                        .map(|r| {
                                            let when = r.created_at.replace('T', " ");
                                            let when = when.trim_end_matches('Z').to_string();
                                            view! { <option value=r.id>{format!("{} — {} · {when} UTC", r.title, r.adapter)}</option> }
                                        })
                                        .collect_view()}
                                </select>
                            </label>
                            " " <button type="submit">"Compare"</button>
                        </form>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}
