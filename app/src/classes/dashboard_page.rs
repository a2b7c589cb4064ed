//! `/teach/:secret`: the teacher's dashboard. The address is the teacher link;
//! the access log redacts it (see the server's edge).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::server::{class_dashboard, DeleteClass, LockClass, RemoveMember, CONFIRM_VALUE};
use super::types::{CommonMistake, Dashboard, ItemRow, MistakeKind, Table};
use crate::layout::NotFound;

#[component]
pub fn DashboardPage() -> impl IntoView {
    // The page holds the class's data: browsers and proxies keep no copy.
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    let params = use_params_map();
    let secret = move || params.read().get("secret").unwrap_or_default();
    let remove = ServerAction::<RemoveMember>::new();
    let lock = ServerAction::<LockClass>::new();
    // Read again after the teacher removed someone or (un)locked the class.
    let dashboard = Resource::new(
        move || (secret(), remove.version().get(), lock.version().get()),
        |(secret, _, _)| class_dashboard(secret),
    );
    view! {
        <Title text="Class dashboard — Inference Lab"/>
        // A capability URL: never in a search engine.
        <Meta name="robots" content="noindex"/>
        <Suspense fallback=|| view! { <p>"Loading the class…"</p> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    Ok(Some(d)) => view! { <ClassDashboard dashboard=d secret=secret() remove lock/> }.into_any(),
                    Ok(None) => view! { <NotFound what="class"/> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ClassDashboard(
    dashboard: Dashboard,
    secret: String,
    remove: ServerAction<RemoveMember>,
    lock: ServerAction<LockClass>,
) -> impl IntoView {
    let query = use_query_map();
    let created = query.read_untracked().get("created").is_some();
    let link = format!("/teach/{secret}");
    let Dashboard {
        class_name,
        join_code,
        locked,
        lessons,
        learners,
        items,
        demos,
    } = dashboard;
    let members = learners.len();
    let names: Vec<String> = learners.iter().map(|l| l.display_name.clone()).collect();
    view! {
        <section class="dashboard" aria-labelledby="class-heading">
            <h1 id="class-heading">{class_name}</h1>
            {created.then(|| view! {
                <div class="notice" role="status">
                    <p><strong>"Your class is ready. Bookmark this page now."</strong>
                    " Its address is your teacher link, the only way back to this class. "
                    "It is not shown again, and anyone who has it sees the class."</p>
                    <label for="teacher-link">"Teacher link (path on this server)"</label>
                    <input id="teacher-link" type="text" readonly=true value=link.clone()/>
                </div>
            })}
            <p class="join-code">"Join code: " <strong class="code">{join_code}</strong></p>
            <p>"Learners open " <a href="/join">"Join a class"</a> " on this server, type the code and pick a name. "
               {format!("{members} joined so far.")}</p>
            <h2 id="learners-heading">"Learners"</h2>
            <div class="table-scroll" role="region" aria-labelledby="learners-heading" tabindex="0">
                <table class="class-table">
                    <caption>"Questions answered, and answered right at the first try, per lesson"</caption>
                    <thead><tr>
                        <th scope="col">"Learner"</th>
                        {lessons.iter().map(|l| view! { <th scope="col">{format!("{} ({} questions)", l.title, l.questions)}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {learners.into_iter().map(|l| view! {
                            <tr>
                                <th scope="row">{l.display_name}</th>
                                {l.lessons.into_iter().map(|c| view! {
                                    <td>
                                        {format!("{} answered, {} first try · ", c.answered, c.first_try_correct)}
                                        <span class=c.mastery.class()>{c.mastery.label()}</span>
                                    </td>
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <h2 id="items-heading">"Questions"</h2>
            <div class="table-scroll" role="region" aria-labelledby="items-heading" tabindex="0">
                <table class="class-table items">
                    <caption>"Item analysis: the hardest questions show a low first-try rate"</caption>
                    <thead><tr>
                        <th scope="col">"Question"</th>
                        <th scope="col">"Answered by"</th>
                        <th scope="col">"Right at first try"</th>
                        <th scope="col">"Most common mistake"</th>
                        <th scope="col">"Median attempts to correct"</th>
                    </tr></thead>
                    <tbody>{items.into_iter().map(|i| view! { <ItemLine item=i/> }).collect_view()}</tbody>
                </table>
            </div>
            <h2 id="demos-heading">"Lesson demos"</h2>
            <div class="table-scroll" tabindex="0">
                <table class="class-table">
                    <caption>"Learners who ran each demo (sweeps and runs started in the lab count too)"</caption>
                    <thead><tr><th scope="col">"Lesson"</th><th scope="col">"Demo"</th><th scope="col">"Ran it"</th></tr></thead>
                    <tbody>{demos.into_iter().map(|d| view! {
                        <tr><th scope="row">{d.lesson_title}</th><td>{d.demo}</td><td>{format!("{} of {}", d.ran, d.members)}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            </div>
            <h2>"Download"</h2>
            <ul class="downloads">
                {Table::ALL.into_iter().map(|t| view! {
                    <li><a href=format!("{link}/{}", t.file_name()) download=t.file_name() rel="external">{t.label()}</a></li>
                }).collect_view()}
            </ul>
            <ManageClass secret=secret.clone() locked names remove lock/>
            <DeleteClassForm secret/>
        </section>
    }
}

/// Locking the class and removing members: plain forms (they work without
/// JavaScript; the server sends the browser back here with a notice).
#[component]
fn ManageClass(
    secret: String,
    locked: bool,
    names: Vec<String>,
    remove: ServerAction<RemoveMember>,
    lock: ServerAction<LockClass>,
) -> impl IntoView {
    let query = use_query_map();
    let notice = move || {
        let q = query.read();
        let text = if remove.value().get().is_some_and(|r| r.is_ok()) || q.get("removed").is_some()
        {
            Some("The learner is removed from the class. Their own progress stays theirs.")
        } else if lock.value().get().is_some_and(|r| r == Ok(true)) || q.get("locked").is_some() {
            Some("The class is locked.")
        } else if lock.value().get().is_some_and(|r| r == Ok(false)) || q.get("unlocked").is_some()
        {
            Some("The class is open again.")
        } else {
            None
        };
        text.map(|t| view! { <p class="notice" role="status">{t}</p> })
    };
    let error = move || {
        remove
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| lock.value().get().and_then(Result::err))
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    let (state, button, next) = if locked {
        (
            "The class is locked: nobody can join it or change their name in it.",
            "Unlock the class",
            "no",
        )
    } else {
        (
            "The class is open: anyone with the join code can join it. Lock it once everyone has joined.",
            "Lock the class",
            "yes",
        )
    };
    let member_secret = secret.clone();
    view! {
        <section id="manage-class" aria-labelledby="manage-heading">
            <h2 id="manage-heading">"Manage the class"</h2>
            <div aria-live="polite">{notice}{error}</div>
            <ActionForm action=lock attr:class="lock-form">
                <input type="hidden" name="secret" value=secret.clone()/>
                <input type="hidden" name="lock" value=next/>
                <p>{state}</p>
                <button type="submit" disabled=move || lock.pending().get()>{button}</button>
            </ActionForm>
            {(!names.is_empty()).then(|| view! {
                <h3 id="members-heading">"Members"</h3>
                <ul class="members" aria-labelledby="members-heading">
                    {names.into_iter().map(|name| {
                        let secret = member_secret.clone();
                        let label = format!("Remove {name} from the class");
                        view! {
                            <li>
                                <span class="member-name">{name.clone()}</span>" "
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="secret" value=secret/>
                                    <input type="hidden" name="display_name" value=name/>
                                    <button type="submit" class="secondary" aria-label=label>"Remove"</button>
                                </ActionForm>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn ItemLine(item: ItemRow) -> impl IntoView {
    let rate = match item.first_try_percent() {
        Some(p) => format!("{p}% ({} of {})", item.first_try_correct, item.answered),
        None => "—".to_string(),
    };
    let median = item
        .median_attempts_to_correct
        .map(|m| m.to_string())
        .unwrap_or_else(|| "—".into());
    view! {
        <tr>
            <th scope="row"><span class="lesson">{item.lesson_title}</span>": "{item.prompt}</th>
            <td>{item.answered}</td>
            <td>{rate}</td>
            <td>{match item.common_mistake {
                Some(m) => view! { <Mistake mistake=m/> }.into_any(),
                None => "—".into_any(),
            }}</td>
            <td>{median}</td>
        </tr>
    }
}

#[component]
fn Mistake(mistake: CommonMistake) -> impl IntoView {
    let what = match mistake.kind {
        MistakeKind::Option { text_html, .. } => {
            view! { <span inner_html=text_html></span> }.into_any()
        }
        MistakeKind::Trap { value } => format!("answering {value}").into_any(),
    };
    view! {
        <p class="mistake">{what}{format!(" ({}×)", mistake.times)}</p>
        <p class="rationale" inner_html=mistake.rationale_html></p>
    }
}

#[component]
fn DeleteClassForm(secret: String) -> impl IntoView {
    let delete = ServerAction::<DeleteClass>::new();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = delete.value().get() {
            navigate("/teach?deleted=1", Default::default());
        }
    });
    let error = move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    view! {
        <ActionForm action=delete attr:id="delete-class">
            <fieldset class="reset">
                <legend>"Delete this class"</legend>
                <p>"Removes the class and its memberships. Learners keep their own progress."</p>
                <input type="hidden" name="secret" value=secret/>
                <div class="option">
                    <input type="checkbox" id="confirm-delete" name="confirm" value=CONFIRM_VALUE required=true/>
                    <label for="confirm-delete">"Yes, delete this class"</label>
                </div>
                <button type="submit" class="danger" disabled=move || delete.pending().get()>"Delete the class"</button>
            </fieldset>
        </ActionForm>
        <div aria-live="polite">{error}</div>
    }
}
