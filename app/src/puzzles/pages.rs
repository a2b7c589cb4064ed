//! `/puzzles` (the list, the leaderboard name) and `/puzzles/:id` (statement,
//! editor, verdict, leaderboard). Both work as plain form posts; with
//! JavaScript the verdict replaces itself in place.

use lab_types::{LabError, PuzzleOutcome};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::editor::{ErrorAt, KernelEditor};
use super::notice;
use super::outcome_view::OutcomeView;
use super::server::{get_puzzle, get_puzzle_index, SetDisplayName, SubmitKernel, MAX_NAME_CHARS};
use super::types::{LeaderRow, PuzzleIndex, PuzzleView};
use crate::layout::NotFound;

/// The page's notice for a plain form's `?error=` code (fixed texts only).
fn query_notice() -> impl Fn() -> Option<&'static str> {
    let query = use_query_map();
    move || query.read().get("error").and_then(|c| notice::message(&c))
}

fn failed(e: LabError, what: &'static str) -> AnyView {
    match e {
        LabError::NotFound | LabError::TurnedOff(_) => view! { <NotFound what/> }.into_any(),
        _ => view! { <p class="error">"This page could not be loaded."</p> }.into_any(),
    }
}

#[component]
pub fn PuzzlesPage() -> impl IntoView {
    let name = ServerAction::<SetDisplayName>::new();
    let index = Resource::new(move || name.version().get(), |_| get_puzzle_index());
    let notice = query_notice();
    view! {
        <Title text="Kernel puzzles — Inference Lab"/>
        <section class="puzzles-page" aria-labelledby="puzzles-heading">
            <h1 id="puzzles-heading">"Kernel puzzles"</h1>
            <p class="lede">
                "Write a WGSL compute kernel in your browser; the server compiles it, runs it on its GPU, "
                "checks every output against a CPU reference and, once it is right, times it beside the lab's own kernels."
            </p>
            <Suspense fallback=|| view! { <p>"Loading the puzzles…"</p> }>
                {move || {
                    let notice = notice();
                    Suspend::new(async move {
                    match index.await {
                        Ok(i) => view! { <PuzzleList index=i name notice/> }.into_any(),
                        Err(e) => failed(e, "page"),
                    }
                })}}
            </Suspense>
        </section>
    }
}

#[component]
fn PuzzleList(
    index: PuzzleIndex,
    name: ServerAction<SetDisplayName>,
    notice: Option<&'static str>,
) -> impl IntoView {
    let PuzzleIndex {
        puzzles,
        display_name,
    } = index;
    let solved = puzzles.iter().filter(|p| p.solved).count();
    let total = puzzles.len();
    let error = move || {
        name.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
            .or(notice.map(str::to_string))
            .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
    };
    view! {
        <p class="solved-count">{format!("You have solved {solved} of {total} puzzles.")}</p>
        <ol class="puzzle-list">
            {puzzles
                .into_iter()
                .map(|p| view! {
                    <li>
                        <a href=format!("/puzzles/{}", p.id)>{p.title}</a>
                        {p.solved.then(|| view! { <span class="solved">" ✓ solved"</span> })}
                        <div class="summary" inner_html=p.summary_html></div>
                    </li>
                })
                .collect_view()}
        </ol>
        <section id="name" class="display-name" aria-labelledby="name-heading">
            <h2 id="name-heading">"Your name on the leaderboards"</h2>
            <p>"Leaderboards show your best time per puzzle and GPU. Without a name you appear as “anonymous”."</p>
            <ActionForm action=name>
                <label for="display-name">"Name (optional)"</label>
                <input
                    type="text"
                    id="display-name"
                    name="name"
                    maxlength=MAX_NAME_CHARS.to_string()
                    autocomplete="nickname"
                    value=display_name.unwrap_or_default()
                />
                <button type="submit">"Save name"</button>
            </ActionForm>
            {error}
        </section>
    }
    .into_any()
}

/// `/puzzles/:id`.
#[component]
pub fn PuzzlePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let submit = ServerAction::<SubmitKernel>::new();
    // Refetched only after a kernel was accepted: a refused one keeps the
    // editor's text as the learner left it.
    let accepted = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = submit.value().get() {
            accepted.update(|n| *n += 1);
        }
    });
    let page = Resource::new(move || (id(), accepted.get()), |(id, _)| get_puzzle(id));
    let notice = query_notice();
    // `?starter=1`: the editor opens on the starter kernel (the reset without JavaScript).
    let query = use_query_map();
    let show_starter = move || query.read().get("starter").is_some();
    view! {
        <Suspense fallback=|| view! { <p>"Loading the puzzle…"</p> }>
            {move || {
                let notice = notice();
                let show_starter = show_starter();
                Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! { <PuzzleBody puzzle=p submit notice show_starter/> }.into_any(),
                        Err(e) => failed(e, "puzzle"),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn PuzzleBody(
    puzzle: PuzzleView,
    submit: ServerAction<SubmitKernel>,
    notice: Option<&'static str>,
    show_starter: bool,
) -> impl IntoView {
    // One memo for the form, not one per read (`pending()` makes a new one each call).
    let pending = submit.pending();
    let PuzzleView {
        id,
        title,
        statement_html,
        hints_html,
        starter,
        max_source_bytes,
        loop_budget,
        reference,
        latest,
        leaderboard,
        next,
    } = puzzle;
    let (submitted, outcome) = match latest {
        Some(s) => (s.source, Some(s.outcome)),
        None => (String::new(), None),
    };
    let text = if show_starter || outcome.is_none() {
        starter.clone()
    } else {
        submitted.clone()
    };
    // The error's line is marked only in the text it was found in.
    let error = match &outcome {
        Some(PuzzleOutcome::CompileError(e)) if !show_starter => e.line.map(|line| ErrorAt {
            line,
            column: e.column,
            focus: submit.version().get_untracked() > 0,
        }),
        _ => None,
    };
    let solved = outcome.as_ref().is_some_and(|o| o.is_correct());
    let refusal = move || {
        submit
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
            .or(notice.map(str::to_string))
            .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
    };
    view! {
        <Title text=format!("{title} — Kernel puzzles — Inference Lab")/>
        <article class="puzzle">
            <p class="tag"><a href="/puzzles">"Kernel puzzles"</a></p>
            <h1>{title}</h1>
            <div class="prose" inner_html=statement_html></div>
            <details class="bindings">
                <summary>"The bindings every puzzle uses, and the limits"</summary>
                <p>
                    "x (binding 0), w (1) and bias (2) are read-only arrays of f32; y (3) is the output; "
                    "p (4) is a uniform with the sizes m, k, n and a relu flag. The server launches the grid from your "
                    "@workgroup_size (at most 256 invocations)."
                </p>
                <p>
                    {format!(
                        "Each invocation may run at most {} loop iterations in all (four times this puzzle's largest size): \
                         a loop past that is stopped, and its output comes out wrong. Private and function variables may \
                         take 8 KiB per invocation, workgroup memory 16 KiB, and one array at most 16 384 values. \
                         Your kernel is checked and run in a separate process that is stopped if it takes too long.",
                        loop_budget
                    )}
                </p>
            </details>
            {(!hints_html.is_empty()).then(|| view! {
                <details class="hint">
                    <summary>"Show hints"</summary>
                    <ol>{hints_html.into_iter().map(|h| view! { <li inner_html=h></li> }).collect_view()}</ol>
                </details>
            })}
            <ActionForm action=submit attr:class="kernel-form">
                <input type="hidden" name="puzzle_id" value=id.clone()/>
                <KernelEditor puzzle_id=id.clone() text starter error max_source_bytes>
                    <button type="submit" disabled=move || pending.get()>
                        {move || if pending.get() { "Running…" } else { "Run and check" }}
                    </button>
                </KernelEditor>
            </ActionForm>
            <section id="result" class="puzzle-result" aria-live="polite" aria-label="Result">
                {refusal}
                {outcome.map(|o| view! { <OutcomeView outcome=o source=submitted reference/> })}
                {solved.then(|| next.map(|(nid, ntitle)| view! {
                    <p class="next-puzzle">"Next: " <a href=format!("/puzzles/{nid}")>{ntitle}</a></p>
                }))}
            </section>
            <Leaderboard rows=leaderboard/>
        </article>
    }
    .into_any()
}

#[component]
fn Leaderboard(rows: Vec<LeaderRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! {
            <section class="leaderboard" aria-labelledby="board-heading">
                <h2 id="board-heading">"Leaderboard"</h2>
                <p>"Nobody has solved this puzzle yet."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="leaderboard" aria-labelledby="board-heading">
            <h2 id="board-heading">"Leaderboard"</h2>
            <div class="table-scroll" tabindex="0">
                <table>
                    <caption>"Best correct time per learner and GPU"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Learner"</th>
                            <th scope="col">"GPU"</th>
                            <th scope="col">"Median"</th>
                            <th scope="col">"Rate"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|r| {
                                let name = r.name.unwrap_or_else(|| "anonymous".into());
                                let name = if r.you { format!("{name} (you)") } else { name };
                                view! {
                                    <tr class:you=r.you>
                                        <td>{name}</td>
                                        <td>{r.adapter}</td>
                                        <td>{format!("{:.3} ms", r.median_ms)}</td>
                                        <td>{format!("{:.2} {}", r.rate, r.unit)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
