use leptos::prelude::*;

use super::feedback_view::FeedbackView;
use super::server::SubmitAnswer;
use super::types::{Answer, AnswerKind, OptionView, QuestionView};

/// One question: prompt, optional hint, the answer form and its feedback.
///
/// Without JavaScript the form posts to the server function, which redirects back
/// here; the feedback then comes from the stored latest answer (`question.latest`).
/// Hydrated, the form is sent in the background and the feedback replaced in place.
///
/// On `/review` (`review`), the form says so (the server then answers a plain post
/// with that question's feedback page) and the feedback links to the next one.
#[component]
pub fn QuestionCard(
    question: QuestionView,
    number: usize,
    #[prop(optional)] review: bool,
) -> impl IntoView {
    let QuestionView {
        id,
        kind,
        prompt_html,
        hint_html,
        options,
        unit,
        variant,
        latest,
    } = question;
    let action = ServerAction::<SubmitAnswer>::new();
    // One memo and one value signal per form, not one per read (`pending()` and
    // `value()` make a new one on each call).
    let pending = action.pending();
    let value = action.value();
    // The latest answer refills the form only if it answered these numbers.
    let previous = latest
        .as_ref()
        .filter(|f| f.variant == variant)
        .map(|f| f.answer.clone());
    let shown = RwSignal::new(latest);
    Effect::new(move |_| {
        if let Some(Ok(feedback)) = value.get() {
            shown.set(Some(feedback));
        }
    });
    let error_id = id.clone();
    let error = move || {
        value
            .get()
            .and_then(Result::err)
            .filter(|e| e.concerns(&error_id))
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    let anchor = format!("q-{id}");
    let prompt_id = format!("q-{id}-prompt");
    let inputs = match kind {
        AnswerKind::Numeric => {
            view! { <NumberInput question_id=id.clone() prompt_id=prompt_id.clone() unit previous/> }.into_any()
        }
        _ => view! { <ChoiceInputs question_id=id.clone() prompt_id=prompt_id.clone() kind options previous/> }
            .into_any(),
    };
    view! {
        <li class="question" id=anchor>
            <p class="question-number">
                {if review { "Review question".to_string() } else { format!("Question {number}") }}
            </p>
            <div class="prompt" id=prompt_id inner_html=prompt_html></div>
            {hint_html.map(|h| view! {
                <details class="hint">
                    <summary>"Show a hint"</summary>
                    <div inner_html=h></div>
                </details>
            })}
            <ActionForm action=action>
                <input type="hidden" name="question_id" value=id/>
                {variant.map(|v| view! { <input type="hidden" name="variant" value=v.to_string()/> })}
                {review.then(|| view! { <input type="hidden" name="review" value="yes"/> })}
                {inputs}
                <button type="submit" class="check" disabled=move || pending.get()>
                    "Check answer"
                </button>
            </ActionForm>
            <div class="feedback" aria-live="polite">
                {error}
                {move || shown.get().map(|feedback| view! { <FeedbackView feedback/> })}
                // A full page load, so the server picks the next due question.
                {move || (review && shown.with(Option::is_some)).then(|| view! {
                    <p class="review-next"><a href="/review" rel="external">"Next due question →"</a></p>
                })}
            </div>
        </li>
    }
    // Erased: the full nested type of a card overflows rustc's layout queries.
    .into_any()
}

/// Radio buttons or checkboxes, all named `choices[]` so the form encodes a list
/// both as a plain post and through leptos' client-side form handling.
#[component]
fn ChoiceInputs(
    question_id: String,
    prompt_id: String,
    kind: AnswerKind,
    options: Vec<OptionView>,
    previous: Option<Answer>,
) -> impl IntoView {
    let single = kind == AnswerKind::Single;
    let legend = if single {
        "Choose one answer"
    } else {
        "Choose all that apply"
    };
    view! {
        <fieldset class="options" aria-describedby=prompt_id>
            <legend>{legend}</legend>
            {options
                .into_iter()
                .map(|o| {
                    let input_id = format!("q-{question_id}-{}", o.id);
                    let checked = previous.as_ref().is_some_and(|a| a.has_choice(&o.id));
                    view! {
                        <div class="option">
                            <input
                                type=if single { "radio" } else { "checkbox" }
                                id=input_id.clone()
                                name="choices[]"
                                value=o.id
                                checked=checked
                                required=single
                            />
                            <label for=input_id inner_html=o.text_html></label>
                        </div>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

#[component]
fn NumberInput(
    question_id: String,
    prompt_id: String,
    unit: Option<String>,
    previous: Option<Answer>,
) -> impl IntoView {
    let input_id = format!("q-{question_id}-value");
    let unit_id = format!("q-{question_id}-unit");
    let described_by = if unit.is_some() {
        format!("{prompt_id} {unit_id}")
    } else {
        prompt_id
    };
    view! {
        <div class="numeric">
            <label for=input_id.clone()>"Your answer"</label>
            <input
                type="number"
                step="any"
                id=input_id
                name="value"
                required=true
                autocomplete="off"
                aria-describedby=described_by
                value=previous.and_then(|a| a.number_text())
            />
            {unit.map(|u| view! { <span class="unit" id=unit_id>{u}</span> })}
        </div>
    }
}
