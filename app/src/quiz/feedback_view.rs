use leptos::prelude::*;

use super::types::{ChosenOption, Feedback, SolutionReveal};

/// The verdict, why each chosen option is right or wrong, then the worked solution
/// (folded after a first wrong answer, with the hint beside it: see `SolutionReveal`).
#[component]
pub fn FeedbackView(feedback: Feedback) -> impl IntoView {
    let Feedback {
        correct,
        first_try,
        chosen,
        missed_correct,
        numeric_html,
        hint_html,
        reveal,
        solution_html,
        answer_html,
        quick_check_html,
        mistakes_html,
        numbers,
        ..
    } = feedback;
    let verdict = match (correct, first_try) {
        (true, true) => "Correct, on the first try.",
        (true, false) => "Correct.",
        (false, true) => "Not quite. Read why below, use the hint, then try again.",
        (false, false) => "Not quite. The worked solution is below.",
    };
    let solution = view! {
        <ol>{solution_html.into_iter().map(|s| view! { <li inner_html=s></li> }).collect_view()}</ol>
        <p class="final-answer"><strong>"Answer: "</strong><span inner_html=answer_html></span></p>
        <p class="quick-check"><strong>"Quick check: "</strong><span inner_html=quick_check_html></span></p>
        {(!mistakes_html.is_empty()).then(|| view! {
            <h3>"Common mistakes"</h3>
            <ul class="mistakes">
                {mistakes_html.into_iter().map(|m| view! { <li inner_html=m></li> }).collect_view()}
            </ul>
        })}
    };
    let solution = match reveal {
        SolutionReveal::Open => view! {
            <div class="solution">
                <h3>"Solution"</h3>
                {solution}
            </div>
        }
        .into_any(),
        SolutionReveal::OnRequest => view! {
            {hint_html.map(|h| view! {
                <p class="retry-hint"><strong>"Hint: "</strong><span inner_html=h></span></p>
            })}
            <details class="solution">
                <summary>"Show the solution"</summary>
                {solution}
            </details>
        }
        .into_any(),
    };
    view! {
        <p class=if correct { "verdict good" } else { "verdict bad" }>{verdict}</p>
        {numbers.map(|n| view! { <p class="variant-numbers">{format!("Your numbers: {n}.")}</p> })}
        {(!chosen.is_empty()).then(|| view! { <ChosenRationales chosen/> })}
        {(missed_correct > 0).then(|| view! {
            <p class="missed">
                {format!(
                    "You left out {missed_correct} correct option{}.",
                    if missed_correct == 1 { "" } else { "s" },
                )}
            </p>
        })}
        {numeric_html.map(|h| view! { <div class="numeric-feedback" inner_html=h></div> })}
        {solution}
    }
    .into_any()
}

#[component]
fn ChosenRationales(chosen: Vec<ChosenOption>) -> impl IntoView {
    view! {
        <ul class="rationales">
            {chosen
                .into_iter()
                .map(|c| {
                    let (class, mark) = if c.correct { ("good", "✓ Right: ") } else { ("bad", "✗ Wrong: ") };
                    view! {
                        <li class=class>
                            <strong>{mark}</strong>
                            <span class="option-text" inner_html=c.text_html></span>
                            <span class="rationale" inner_html=c.rationale_html></span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
