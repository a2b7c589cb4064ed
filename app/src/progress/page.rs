use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server::{get_progress, ResetProgress, CONFIRM_VALUE};
use super::types::{LessonProgress, ProgressView};
use crate::review::server::get_study_status;
use crate::review::types::StudyStatus;
use crate::review::Mastery;

/// `/progress`: per-lesson counts, what to practise next, download and reset.
#[component]
pub fn ProgressPage() -> impl IntoView {
    let reset = ServerAction::<ResetProgress>::new();
    // Refetched after a reset made without leaving the page (JavaScript).
    let progress = Resource::new(move || reset.version().get(), |_| get_progress());
    let status = Resource::new(move || reset.version().get(), |_| get_study_status());
    view! {
        <Title text="My progress — Inference Lab"/>
        <section class="progress-page" aria-labelledby="progress-heading">
            <h1 id="progress-heading">"My progress"</h1>
            <Suspense fallback=|| view! { <p>"Loading your progress…"</p> }>
                {move || Suspend::new(async move {
                    match (progress.await, status.await) {
                        (Ok(p), Ok(status)) => view! {
                            <ProgressSummary progress=p status/>
                            <MasteryRule/>
                        }
                        .into_any(),
                        _ => view! { <p class="error">"Your progress could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
            <crate::predictions::PredictionStatsLine version=Signal::derive(move || reset.version().get())/>
            <YourData reset/>
        </section>
    }
}

#[component]
fn ProgressSummary(progress: ProgressView, status: StudyStatus) -> impl IntoView {
    let ProgressView {
        lessons,
        overall,
        next,
        puzzles_solved,
        puzzles_total,
    } = progress;
    let percent = overall.percent_correct();
    view! {
        {(overall.answered == 0).then(|| view! {
            <p class="empty">"You have not answered any practice question yet."</p>
        })}
        <p class="overall">
            <strong class="percent">{format!("{percent}%")}</strong>
            {format!(
                " of all practice questions answered correctly ({} of {}; {} at the first try).",
                overall.correct, overall.questions, overall.first_try_correct,
            )}
        </p>
        <progress max=overall.questions.max(1) value=overall.correct aria-label="Questions answered correctly"></progress>
        <NextStep next/>
        <p class="review-due">
            {match status.due {
                0 => "No question is due for review.".to_string(),
                1 => "1 question is due for review: ".to_string(),
                n => format!("{n} questions are due for review: "),
            }}
            {(status.due > 0).then(|| view! { <a href="/review">"review now"</a> })}
        </p>
        {(puzzles_total > 0).then(|| view! {
            <p class="puzzles-solved">
                {format!("Kernel puzzles solved: {puzzles_solved} of {puzzles_total}. ")}
                <a href="/puzzles">"Go to the puzzles"</a>
            </p>
        })}
        <div class="table-scroll" tabindex="0">
            <table class="progress-table">
                <caption>"Lesson by lesson"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Lesson"</th>
                        <th scope="col">"Questions"</th>
                        <th scope="col">"Answered"</th>
                        <th scope="col">"Correct"</th>
                        <th scope="col">"Correct at first try"</th>
                        <th scope="col">"Level"</th>
                    </tr>
                </thead>
                <tbody>
                    {lessons
                        .into_iter()
                        .map(|l| {
                            let level = status.level_of(&l.slug);
                            view! { <LessonRow lesson=l level/> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn NextStep(next: Option<LessonProgress>) -> impl IntoView {
    match next {
        Some(l) => view! {
            <p class="next-step">
                "Practise next: "
                <a href=format!("/lessons/{}#practice", l.slug)>{format!("Lesson {}: {}", l.order, l.title)}</a>
            </p>
        }
        .into_any(),
        None => view! { <p class="next-step done">"Every practice question is answered correctly. Well done!"</p> }.into_any(),
    }
}

#[component]
fn LessonRow(lesson: LessonProgress, level: Mastery) -> impl IntoView {
    let t = lesson.tally;
    view! {
        <tr>
            <th scope="row"><a href=format!("/lessons/{}#practice", lesson.slug)>{lesson.title}</a></th>
            <td>{t.questions}</td>
            <td>{t.answered}</td>
            <td>{t.correct}</td>
            <td>{t.first_try_correct}</td>
            <td><span class=level.class()>{level.label()}</span></td>
        </tr>
    }
}

/// How a lesson's level is computed, level by level.
#[component]
fn MasteryRule() -> impl IntoView {
    view! {
        <section class="mastery-rule" id="mastery" aria-labelledby="mastery-heading">
            <h2 id="mastery-heading">"How the level is computed"</h2>
            <p>"From your latest answer to each of the lesson's questions, and from your spaced reviews:"</p>
            <dl>
                {Mastery::ALL
                    .into_iter()
                    .map(|m| view! { <dt>{m.label()}</dt> <dd>{m.rule()}</dd> })
                    .collect_view()}
            </dl>
        </section>
    }
}

/// Download and reset. The reset needs its checkbox ticked: a confirmation step that
/// also works without JavaScript.
#[component]
fn YourData(reset: ServerAction<ResetProgress>) -> impl IntoView {
    // One memo for the form, not one per read (`pending()` makes a new one each call).
    let pending = reset.pending();
    let query = use_query_map();
    let message = move || {
        let deleted = match reset.value().get() {
            Some(Ok(n)) => Some(n),
            _ => query
                .read()
                .get("deleted")
                .and_then(|n| n.parse::<u64>().ok()),
        };
        deleted.map(|n| view! { <p class="notice" role="status">{deleted_message(n)}</p> })
    };
    let error = move || {
        reset
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    view! {
        <section class="your-data" id="reset" aria-labelledby="your-data-heading">
            <h2 id="your-data-heading">"Your data"</h2>
            <p>
                "Your answers are kept under an anonymous cookie in this browser. "
                <a href="/progress.json" download="inference-lab-progress.json" rel="external">"Download my progress (JSON)"</a>
            </p>
            <ActionForm action=reset>
                <fieldset class="reset">
                    <legend>"Reset my progress"</legend>
                    <p>"This deletes every answer you have given here. It cannot be undone."</p>
                    <div class="option">
                        <input type="checkbox" id="confirm-reset" name="confirm" value=CONFIRM_VALUE required=true/>
                        <label for="confirm-reset">"Yes, delete all my answers"</label>
                    </div>
                    <button type="submit" class="danger" disabled=move || pending.get()>"Reset my progress"</button>
                </fieldset>
            </ActionForm>
            <div aria-live="polite">{message} {error}</div>
        </section>
    }
    .into_any()
}

fn deleted_message(n: u64) -> String {
    match n {
        0 => "There was nothing to delete.".to_string(),
        1 => "Deleted your 1 answer.".to_string(),
        n => format!("Deleted your {n} answers."),
    }
}
