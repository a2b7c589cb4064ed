//! Lesson 2's demo: the server's adapters under a visibility string the learner types,
//! evaluated per request with `CUDA_VISIBLE_DEVICES` rules.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::error_line;
use super::server::{devices_under, PredictDevices};
use crate::predictions::types::PredictedDemo;
use crate::predictions::{PredictionFields, PredictionResult};
use lab_types::DeviceList;

/// Strings worth trying, with what each teaches.
const PRESETS: [(&str, &str); 8] = [
    ("", "empty: no GPU"),
    ("0", "only GPU 0"),
    ("1,0", "reordered"),
    ("-1", "invalid first index"),
    ("all", "not a keyword: invalid, no GPU"),
    ("0,-1,1", "stops at -1"),
    ("0,0", "repeated index: no GPU"),
    ("GPU-00000000", "unknown UUID"),
];

#[component]
pub fn VisibilityDemo() -> impl IntoView {
    let query = use_query_map();
    // Absent `vis_mode=set` means the variable is unset (all GPUs visible).
    let spec = move || {
        let q = query.read();
        (q.get("vis_mode").as_deref() == Some("set")).then(|| q.get("visible").unwrap_or_default())
    };
    let devices = Resource::new(spec, |spec| {
        devices_under(spec.is_some(), spec.unwrap_or_default())
    });
    // Predicting stores a row, so the form is a POST; with JavaScript, go
    // where a plain form post is redirected.
    let predict = ServerAction::<PredictDevices>::new();
    // One memo per form, not one per read (`pending()` makes a new one each call).
    let pending = predict.pending();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(query)) = predict.value().get() {
            navigate(
                &format!("?{query}#visibility-demo-title"),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
    let refused = move || match predict.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => query
            .read()
            .get("vis_error")
            .and_then(|code| crate::experiments::error_code::message(&code, None)),
    };
    view! {
        <section class="demo-card visibility-demo" aria-labelledby="visibility-demo-title">
            <h3 id="visibility-demo-title">"Try it: GPU visibility on this server"</h3>
            <ActionForm action=predict>
                <fieldset>
                    <legend>"LAB_VISIBLE_DEVICES for this request"</legend>
                    <label>
                        <input type="radio" name="vis_mode" value="unset" checked=move || spec().is_none()/>
                        " leave unset"
                    </label>
                    <label>
                        <input type="radio" name="vis_mode" value="set" checked=move || spec().is_some()/>
                        " set to "
                        <input
                            type="text"
                            name="visible"
                            maxlength="200"
                            aria-label="visibility string"
                            placeholder="e.g. 1,0"
                            prop:value=move || spec().unwrap_or_default()
                        />
                    </label>
                </fieldset>
                <PredictionFields demo=PredictedDemo::Visibility/>
                <button type="submit" disabled=move || pending.get()>"Predict, then show devices"</button>
            </ActionForm>
            {move || refused().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <p class="presets">
                "Or look without predicting: "
                {PRESETS
                    .iter()
                    .map(|(s, what)| {
                        let href = format!("?vis_mode=set&visible={}#visibility-demo-title", urlencode(s));
                        view! { <a href=href class="chip"><code>{format!("'{s}'")}</code>" " {*what}</a> }
                    })
                    .collect_view()}
                <a href="?vis_mode=unset#visibility-demo-title" class="chip">"unset: all"</a>
            </p>
            // Outside the result's Suspense: its resource must not be created inside another's.
            <PredictionResult param="vis_prediction"/>
            <Suspense fallback=|| view! { <p>"Listing adapters…"</p> }>
                {move || Suspend::new(async move {
                    match devices.await {
                        Ok(d) => view! { <DeviceTable devices=d/> }.into_any(),
                        Err(e) => error_line(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn DeviceTable(devices: DeviceList) -> impl IntoView {
    let setting = match &devices.visibility.spec {
        None => "unset".to_string(),
        Some(s) => format!("'{s}'"),
    };
    view! {
        <p class="explanation" aria-live="polite">
            <strong>{format!("LAB_VISIBLE_DEVICES = {setting}")}</strong>
            " — " {devices.visibility.explanation.clone()}
        </p>
        <div class="table-scroll" tabindex="0">
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Physical index"</th>
                        <th scope="col">"Seen by the program as"</th>
                        <th scope="col">"Adapter"</th>
                        <th scope="col">"Backend"</th>
                        <th scope="col">"Type"</th>
                    </tr>
                </thead>
                <tbody>
                    {devices
                        .adapters
                        .into_iter()
                        .map(|a| {
                            let seen = a.visible_index.map(|i| format!("gpu:{i}")).unwrap_or_else(|| "hidden".into());
                            let hidden = a.visible_index.is_none();
                            view! {
                                <tr class:hidden-device=hidden>
                                    <td>{a.physical_index}</td>
                                    <td><strong>{seen}</strong></td>
                                    <td>
                                        {a.name}
                                        {a.software.then(|| view! { <span class="software-label">{format!(" — {}", a.label)}</span> })}
                                    </td>
                                    <td>{a.backend}</td>
                                    <td>{a.device_type}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {devices.no_gpu_message.map(|m| view! { <p class="notice">{m} " The CPU path keeps working."</p> })}
    }
}

/// Percent-encodes a query value (the presets are plain ASCII).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
