//! `/teach/:secret`: the teacher's dashboard. The address is the teacher link;
//! the access log redacts it (see the server's edge).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use std::collections::HashMap;

use super::copy_field::CopyField;
use super::server::{class_dashboard, DeleteClass, LockClass, RemoveMember, CONFIRM_VALUE};
use super::types::{CommonMistake, Dashboard, ItemRow, LearnerRow, MistakeKind, Table};
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
    mut dashboard: Dashboard,
    secret: String,
    remove: ServerAction<RemoveMember>,
    lock: ServerAction<LockClass>,
) -> impl IntoView {
    let query = use_query_map();
    let created = query.read_untracked().get("created").is_some();
    let link = format!("/teach/{secret}");
    let teacher_url = format!("{}{link}", dashboard.origin);
    let join_url = dashboard.join_link();
    let qr = std::mem::take(&mut dashboard.join_qr_svg);
    let top: Vec<ItemRow> = dashboard
        .top_misconceptions(TOP_MISCONCEPTIONS)
        .into_iter()
        .cloned()
        .collect();
    let Dashboard {
        class_name,
        join_code,
        locked,
        lessons,
        learners,
        items,
        demos,
        ..
    } = dashboard;
    let members = learners.len();
    let names: Vec<String> = learners.iter().map(|l| l.display_name.clone()).collect();
    let prompts: HashMap<String, (String, String)> = items
        .iter()
        .map(|i| {
            (
                i.question_id.clone(),
                (i.lesson_title.clone(), i.prompt.clone()),
            )
        })
        .collect();
    let (answered, unanswered): (Vec<ItemRow>, Vec<ItemRow>) =
        items.into_iter().partition(|i| i.answered > 0);
    // Open on the first day (nobody in yet, or the class just made); folded
    // once the class is under way, so the dashboard opens with what it misunderstands.
    let share_open = created || members == 0;
    let joined = match members {
        1 => "1 learner joined so far.".to_string(),
        n => format!("{n} learners joined so far."),
    };
    view! {
        <section class="dashboard" aria-labelledby="class-heading">
            <h1 id="class-heading">{class_name}</h1>
            {created.then(|| view! {
                <div class="notice" role="status">
                    <p><strong>"Your class is ready. Bookmark this page now."</strong>
                    " Its address is your teacher link (below, to copy): on another device it is the only way back to this class, "
                    "and anyone who has it sees the class. This browser also lists the class under "
                    <a href="/teach">"Teach a class"</a> "."</p>
                </div>
            })}
            <details class="share" open=share_open>
                <summary>"Join code " <span class="code">{join_code.clone()}</span> " and links"</summary>
                <div class="share-body">
                    <div class="share-links">
                        <p class="join-code">"Join code: " <strong class="code">{join_code.clone()}</strong></p>
                        <p>"Learners open " <a href="/join">"Join a class"</a> " on this server, type the code and pick a name, "
                           "or open the join link, which has the code filled in. " {joined}</p>
                        <CopyField id="join-link" label="Join link (the code is filled in)" what="the join link" value=join_url/>
                        <CopyField id="teacher-link" label="Teacher link (private: it opens this dashboard)" what="the teacher link" value=teacher_url/>
                    </div>
                    {(!qr.is_empty()).then(|| view! {
                        <figure class="join-qr">
                            // Drawn black on white in both themes: scanners need the contrast.
                            <div class="join-qr-code" role="img" aria-label="QR code of the join link" inner_html=qr.clone()></div>
                            <figcaption>"Show this to the class: scanning it opens the join link."</figcaption>
                        </figure>
                    })}
                </div>
            </details>
            <Misconceptions top/>
            <h2 id="items-heading">"Questions, the hardest first"</h2>
            {if answered.is_empty() {
                view! { <p class="empty">"Nobody in the class has answered a question yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" role="region" aria-labelledby="items-heading" tabindex="0">
                        <table class="class-table items">
                            <caption>"Sorted by the share right at the first try, lowest first"</caption>
                            <thead><tr>
                                <th scope="col">"Question"</th>
                                <th scope="col">"Answered by"</th>
                                <th scope="col">"Right at first try"</th>
                                <th scope="col">"Most common mistake"</th>
                                <th scope="col">"Median attempts to correct"</th>
                            </tr></thead>
                            <tbody>{answered.into_iter().map(|i| view! { <ItemLine item=i/> }).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {(!unanswered.is_empty()).then(|| {
                let count = unanswered.len();
                view! {
                    <details class="unanswered">
                        <summary>{match count {
                            1 => "1 question nobody has answered yet".to_string(),
                            n => format!("{n} questions nobody has answered yet"),
                        }}</summary>
                        <ul>
                            {unanswered.into_iter().map(|i| view! {
                                <li><span class="lesson">{i.lesson_title}</span>": "{i.prompt}<ExampleNumbers numbers=i.example_numbers/></li>
                            }).collect_view()}
                        </ul>
                    </details>
                }
            })}
            <h2 id="learners-heading">"Learners"</h2>
            <div class="table-scroll" role="region" aria-labelledby="learners-heading" tabindex="0">
                <table class="class-table learners">
                    <caption>"Questions answered, and answered right at the first try, per lesson. A name opens that learner's answers."</caption>
                    <thead><tr>
                        <th scope="col">"Learner"</th>
                        {lessons.iter().map(|l| view! { <th scope="col">{format!("{} ({} questions)", l.title, l.questions)}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {learners.iter().enumerate().map(|(n, l)| view! {
                            <tr>
                                <th scope="row"><a href=format!("#learner-{n}")>{l.display_name.clone()}</a></th>
                                {l.lessons.iter().map(|c| view! {
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
            {(!learners.is_empty()).then(|| view! {
                <h3 id="drill-down-heading">"Each learner's answers"</h3>
                <div class="drill-down">
                    {learners.into_iter().enumerate().map(|(n, l)| view! {
                        <LearnerAnswers n learner=l prompts=prompts.clone()/>
                    }).collect_view()}
                </div>
            })}
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

/// How many misconceptions the dashboard opens with.
const TOP_MISCONCEPTIONS: usize = 5;

/// The class's most widespread wrong answers, each with how many of the
/// learners who answered gave it and what the lesson says about it.
#[component]
fn Misconceptions(top: Vec<ItemRow>) -> impl IntoView {
    view! {
        <section class="misconceptions" aria-labelledby="misconceptions-heading">
            <h2 id="misconceptions-heading">"Top misconceptions"</h2>
            {if top.is_empty() {
                view! { <p class="empty">"No wrong answers yet: the most common ones show here as learners answer."</p> }.into_any()
            } else {
                view! {
                    <ol>
                        {top.into_iter().filter_map(|i| {
                            let share = (i.mistake_share() * 100.0).round();
                            let m = i.common_mistake?;
                            let who = format!("{} of {} learners ({share}%)", m.learners, i.answered);
                            Some(view! {
                                <li>
                                    <p class="misconception"><strong>{who}</strong>" answered "<MistakeText kind=m.kind/></p>
                                    <p class="question-preview"><span class="lesson">{i.lesson_title}</span>": "{i.prompt}
                                        <ExampleNumbers numbers=i.example_numbers/></p>
                                    <p class="rationale" inner_html=m.rationale_html></p>
                                </li>
                            })
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ExampleNumbers(numbers: Option<String>) -> impl IntoView {
    numbers.map(|n| {
        view! { " " <span class="example-numbers">{format!("(example numbers: {n}; each learner gets their own)")}</span> }
    })
}

#[component]
fn MistakeText(kind: MistakeKind) -> impl IntoView {
    match kind {
        MistakeKind::Option { text_html, .. } => view! { <q inner_html=text_html></q> }.into_any(),
        MistakeKind::Trap { value } => view! { <q>{value.to_string()}</q> }.into_any(),
    }
}

/// One learner's answers, question by question (folded; a link to
/// `#learner-N` opens it).
#[component]
fn LearnerAnswers(
    n: usize,
    learner: LearnerRow,
    prompts: HashMap<String, (String, String)>,
) -> impl IntoView {
    let LearnerRow {
        display_name,
        answers,
        ..
    } = learner;
    let summary = match answers.len() {
        1 => format!("{display_name}: 1 question answered"),
        k => format!("{display_name}: {k} questions answered"),
    };
    view! {
        <details id=format!("learner-{n}") class="learner-answers">
            <summary>{summary}</summary>
            {if answers.is_empty() {
                view! { <p class="empty">"No answers yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {answers.into_iter().map(|a| {
                            let (lesson, prompt) = prompts.get(&a.question_id).cloned().unwrap_or_default();
                            let tries = match a.attempts {
                                1 => "1 attempt".to_string(),
                                k => format!("{k} attempts"),
                            };
                            view! {
                                <li>
                                    <span class="lesson">{lesson}</span>": "{prompt}
                                    <br/>
                                    <span class="outcome">{format!("{tries}, {}", a.outcome())}</span>
                                    {a.mistake.map(|kind| view! { " · most often answered " <MistakeText kind/> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </details>
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
    // One memo for the form, not one per read (`pending()` makes a new one each call).
    let lock_pending = lock.pending();
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
                <button type="submit" disabled=move || lock_pending.get()>{button}</button>
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
            <th scope="row"><span class="lesson">{item.lesson_title}</span>": "{item.prompt}<ExampleNumbers numbers=item.example_numbers/></th>
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
    let learners = match mistake.learners {
        1 => "1 learner".to_string(),
        n => format!("{n} learners"),
    };
    view! {
        <p class="mistake">{what}{format!(" ({}×, {learners})", mistake.times)}</p>
        <p class="rationale" inner_html=mistake.rationale_html></p>
    }
}

#[component]
fn DeleteClassForm(secret: String) -> impl IntoView {
    let delete = ServerAction::<DeleteClass>::new();
    // One memo per form, not one per read (`pending()` makes a new one each call).
    let delete_pending = delete.pending();
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
                <button type="submit" class="danger" disabled=move || delete_pending.get()>"Delete the class"</button>
            </fieldset>
        </ActionForm>
        <div aria-live="polite">{error}</div>
    }
}
