//! `/teach`: a teacher creates a class in one step.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::server::{taught_classes, CreateClass};
use super::types::TaughtClass;

#[component]
pub fn TeachPage() -> impl IntoView {
    let create = ServerAction::<CreateClass>::new();
    // One memo per form, not one per read (`pending()` makes a new one each call).
    let pending = create.pending();
    // With JavaScript the answer is the dashboard's path; without, the server redirects.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(path)) = create.value().get() {
            navigate(&path, Default::default());
        }
    });
    let query = use_query_map();
    let deleted = move || {
        query
            .read()
            .get("deleted")
            .map(|_| view! { <p class="notice" role="status">"The class is deleted. Its learners keep their own progress."</p> })
    };
    let error = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    // The classes this browser created (read once: creating one leaves the page).
    let classes = Resource::new(|| (), |_| taught_classes());
    view! {
        <Title text="Teach a class — Inference Lab"/>
        <section class="classes-page" aria-labelledby="teach-heading">
            <h1 id="teach-heading">"Teach a class"</h1>
            {deleted}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match classes.await {
                        Ok(list) if !list.is_empty() => view! { <YourClasses list/> }.into_any(),
                        Ok(_) => ().into_any(),
                        Err(_) => view! { <p class="error">"Your classes could not be loaded."</p> }.into_any(),
                    }
                })}
            </Suspense>
            <p>
                "Run Inference Lab for a group and see what the group misunderstands. "
                "No accounts: you name the class, learners join with a short code and a name of their choosing, "
                "and you get a secret teacher link to the class dashboard."
            </p>
            <ActionForm action=create attr:id="create-class" attr:class="class-form">
                <div class="field">
                    <label for="class-name">"Class name"</label>
                    <input id="class-name" name="name" type="text" maxlength="80" required=true autocomplete="off"/>
                </div>
                <button type="submit" disabled=move || pending.get()>"Create the class"</button>
            </ActionForm>
            <div aria-live="polite">{error}</div>
            <h2>"What happens next"</h2>
            <ol>
                <li>"The next page shows the class's join code. Write it on the board."</li>
                <li>"Learners open " <a href="/join">"Join a class"</a> " on this server and type the code and a display name."</li>
                <li>"Bookmark the next page: its address is your teacher link. Anyone who has it sees the class. "
                    "This browser also lists the class here, under “Your classes”; on another device only the link opens it."</li>
            </ol>
        </section>
    }
}

/// The classes created in this browser, each linking to its dashboard.
#[component]
fn YourClasses(list: Vec<TaughtClass>) -> impl IntoView {
    view! {
        <section id="your-classes" aria-labelledby="your-classes-heading">
            <h2 id="your-classes-heading">"Your classes"</h2>
            <p>"Classes created in this browser. Each opens its dashboard, where its teacher link is to copy."</p>
            <ul class="taught-classes">
                {list.into_iter().map(|c| {
                    let learners = match c.members {
                        1 => "1 learner".to_string(),
                        n => format!("{n} learners"),
                    };
                    let locked = if c.locked { ", locked" } else { "" };
                    view! {
                        <li>
                            <a href=c.dashboard_path>{c.class_name}</a>
                            {format!(" — join code {}, {learners}{locked}, created {}", c.join_code, c.created_on)}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
