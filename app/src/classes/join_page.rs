//! `/join`: a learner joins a class with its code, sees the classes they are
//! in (only their own name in each) and can leave one.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::server::{my_classes, JoinClass, LeaveClass};
use super::types::MyClass;

#[component]
pub fn JoinPage() -> impl IntoView {
    let join = ServerAction::<JoinClass>::new();
    // One memo per form, not one per read (`pending()` makes a new one each call).
    let pending = join.pending();
    let leave = ServerAction::<LeaveClass>::new();
    // Refetched after joining or leaving without leaving the page (JavaScript).
    let classes = Resource::new(
        move || (join.version().get(), leave.version().get()),
        |_| my_classes(),
    );
    let query = use_query_map();
    // A join link (`/join?code=ABCD-EFGH`, the teacher's QR code) fills the code in.
    let code_from_link: String = query
        .read_untracked()
        .get("code")
        .unwrap_or_default()
        .chars()
        .take(32)
        .collect();
    let notice = move || {
        let q = query.read();
        // A name someone in the class already had got a suffix: say which.
        let (text, joined) = if let Some(Ok(c)) = join.value().get() {
            let t = format!("You joined {} as “{}”.", c.class_name, c.display_name);
            (Some(t), true)
        } else if q.get("joined").is_some() {
            let t = "You joined the class: your name in it is under “My classes”.";
            (Some(t.to_string()), true)
        } else if leave.value().get().is_some_and(|r| r.is_ok()) || q.get("left").is_some() {
            (Some("You left the class.".to_string()), false)
        } else {
            (None, false)
        };
        // A learner who just joined is sent on: the home page starts a new learner
        // at lesson 1 and shows a returning one where they left off.
        text.map(|t| {
            view! {
                <p class="notice" role="status">{t}</p>
                {joined.then(|| view! {
                    <p class="next-step">
                        "Next: " <a class="start-lessons" href="/">"start the lessons"</a>
                        " (or pick up where you left off). Your teacher sees your practice answers from now on."
                    </p>
                })}
            }
        })
    };
    let join_error = move || {
        join.value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    view! {
        <Title text="Join a class — Inference Lab"/>
        <section class="classes-page" aria-labelledby="join-heading">
            <h1 id="join-heading">"Join a class"</h1>
            <div aria-live="polite">{notice}</div>
            <p>
                "Your teacher sees the name you pick here, your answers to the practice questions "
                "and which lesson demos you ran. Other learners see nothing of yours. You can leave at any time."
            </p>
            <ActionForm action=join attr:id="join-class" attr:class="class-form">
                <div class="field">
                    <label for="join-code">"Join code"</label>
                    <input id="join-code" name="code" type="text" maxlength="32" required=true autocomplete="off"
                        autocapitalize="characters" spellcheck="false" aria-describedby="join-code-hint"
                        value=code_from_link/>
                    <p id="join-code-hint" class="hint">"8 letters and digits, like ABCD-EFGH."</p>
                </div>
                <div class="field">
                    <label for="display-name">"Your name in the class"</label>
                    <input id="display-name" name="display_name" type="text" maxlength="40" required=true autocomplete="nickname"/>
                </div>
                <button type="submit" disabled=move || pending.get()>"Join"</button>
            </ActionForm>
            <div aria-live="polite">{join_error}</div>
            <section id="my-classes" aria-labelledby="my-classes-heading">
                <h2 id="my-classes-heading">"My classes"</h2>
                <Suspense fallback=|| view! { <p>"Loading your classes…"</p> }>
                    {move || Suspend::new(async move {
                        match classes.await {
                            Ok(list) if list.is_empty() => view! { <p class="empty">"You are not in any class."</p> }.into_any(),
                            Ok(list) => view! { <ClassList list leave/> }.into_any(),
                            Err(_) => view! { <p class="error">"Your classes could not be loaded."</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <p>
                "Working on another device too? "
                <a href="/transfer">"Move your progress with a one-time code"</a>
                "."
            </p>
        </section>
    }
}

#[component]
fn ClassList(list: Vec<MyClass>, leave: ServerAction<LeaveClass>) -> impl IntoView {
    view! {
        <ul class="my-classes">
            {list.into_iter().map(|c| view! {
                <li>
                    <span class="class-name">{c.class_name.clone()}</span>
                    {format!(" — you appear as “{}”. ", c.display_name)}
                    <ActionForm action=leave attr:class="inline-form">
                        <input type="hidden" name="class_id" value=c.class_id.to_string()/>
                        <button type="submit" class="secondary" aria-label=format!("Leave {}", c.class_name)>"Leave"</button>
                    </ActionForm>
                </li>
            }).collect_view()}
        </ul>
    }
}
