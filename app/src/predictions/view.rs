//! The prediction a demo's form asks for, the result beside the measurement,
//! and the learner's tally for `/progress`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::server::{my_prediction_stats, prediction_outcome, prediction_prompt};
use super::types::{Outcome, PredictedDemo, Prompt, PromptAnswer, Verdict, DONT_KNOW};

/// The prediction fields inside a demo's form: a number (or "I don't know"), or
/// one of the demo's choices (or "I don't know"). The question comes from the
/// content file.
#[component]
pub fn PredictionFields(demo: PredictedDemo) -> impl IntoView {
    let prompt = Resource::new(|| (), move |_| prediction_prompt(demo));
    view! {
        <fieldset class="prediction">
            <legend>"Your prediction, before it runs"</legend>
            <Suspense fallback=|| view! { <p>"Loading the question…"</p> }>
                // A `Suspend`, not a closure: the prompt never changes, and a
                // closure is called on each of Suspense's walks on the server
                // (see the lesson page).
                {Suspend::new(async move {
                    match prompt.await {
                        Ok(p) => view! { <PromptInputs prompt=p/> }.into_any(),
                        Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </fieldset>
    }
}

#[component]
fn PromptInputs(prompt: Prompt) -> impl IntoView {
    let question_id = format!("{}-prediction-question", prompt.demo.name());
    let question =
        view! { <p id=question_id.clone() class="prediction-question">{prompt.question}</p> };
    let inputs = match prompt.answer {
        PromptAnswer::Number { max, unit } => view! {
            <label>
                "My prediction "
                <input type="number" name="prediction" min="0" max=max.to_string() step="any"
                    inputmode="decimal" aria-describedby=question_id/>
                {(!unit.is_empty()).then(|| format!(" {unit}"))}
            </label>
            " "
            <label><input type="checkbox" name="dont_know" value="yes"/>" I don't know"</label>
        }
        .into_any(),
        PromptAnswer::Choice { choices } => view! {
            {choices
                .into_iter()
                .map(|(value, label)| view! {
                    <label><input type="radio" name="prediction" value=value required/>" " {label}</label>
                    " "
                })
                .collect_view()}
            <label><input type="radio" name="prediction" value=DONT_KNOW required/>" I don't know"</label>
        }
        .into_any(),
    };
    view! { {question} <div class="prediction-inputs">{inputs}</div> }
}

/// The learner's prediction named by the page query's `param` (a prediction
/// id), beside the measurement. Shows nothing for an unknown id or anyone
/// else's prediction.
#[component]
pub fn PredictionResult(param: &'static str) -> impl IntoView {
    let query = use_query_map();
    let id = move || query.read().get(param);
    let outcome = Resource::new(id, |id| async move {
        match id {
            Some(id) => prediction_outcome(id).await,
            None => Ok(None),
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match outcome.await {
                    Ok(Some(o)) => view! { <OutcomeView outcome=o/> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}

/// A prediction beside its measurement, with the verdict and the explanation.
#[component]
pub fn OutcomeView(outcome: Outcome) -> impl IntoView {
    let (verdict, class) = match outcome.verdict {
        Verdict::Right => ("Right", "verdict good"),
        Verdict::Wrong => ("Not this time", "verdict bad"),
        Verdict::NotScored => ("Not scored", "verdict"),
    };
    // Erased (`into_any`): nested in the table, its full type overflows the
    // compiler's query depth.
    let spread = outcome
        .spread
        .map(|s| view! { <span class="spread">{format!(" ({s})")}</span> });
    let measured = view! { {outcome.measured} {spread} }.into_any();
    view! {
        <div class="prediction-outcome" aria-live="polite">
            <p class="meta">{outcome.question}</p>
            <div class="table-scroll" tabindex="0">
                <table class="data prediction-table">
                    <thead>
                        <tr>
                            <th scope="col">"You predicted"</th>
                            <th scope="col">"Measured"</th>
                            <th scope="col">"Your prediction was"</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr>
                            <td class="guess">{outcome.guess}</td>
                            <td class="measured">{measured}</td>
                            <td><strong class=class>{verdict}</strong></td>
                        </tr>
                    </tbody>
                </table>
            </div>
            <p class="explanation">{outcome.explanation}</p>
        </div>
    }
}

/// `/progress`: how often the learner's predictions were right, read again
/// when `version` changes (a reset).
#[component]
pub fn PredictionStatsLine(version: Signal<usize>) -> impl IntoView {
    let stats = Resource::new(move || version.get(), |_| my_prediction_stats());
    view! {
        <section class="prediction-stats" aria-labelledby="prediction-stats-heading">
            <h2 id="prediction-stats-heading">"Predictions"</h2>
            <Suspense fallback=|| view! { <p>"Loading your predictions…"</p> }>
                {move || Suspend::new(async move {
                    match stats.await {
                        Ok(s) if s.made == 0 => view! {
                            <p class="empty">"You have not made a prediction yet: every lesson demo asks for one before it runs."</p>
                        }.into_any(),
                        Ok(s) => view! {
                            <p class="prediction-tally">
                                <strong class="percent">{format!("{}%", s.percent_right())}</strong>
                                {format!(
                                    " of your scored predictions were right ({} of {}; {} made in all, {} not scored).",
                                    s.right, s.scored, s.made, s.made - s.scored,
                                )}
                            </p>
                        }.into_any(),
                        Err(_) => view! { <p class="error">"Your predictions could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
