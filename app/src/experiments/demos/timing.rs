//! Lesson 3's demo: the same GPU work timed without waiting vs with waiting, and the
//! first (cold) call vs warm calls.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::error_line;
use super::server::timing_demo;
use crate::experiments::describe::ms;
use lab_types::{Preset, TimingReport};

#[component]
pub fn TimingDemo() -> impl IntoView {
    let query = use_query_map();
    // The measurement runs only when the learner asked for it (`timing=run`).
    let request = move || {
        let q = query.read();
        (q.get("timing").as_deref() == Some("run")).then(|| {
            let model = q.get("timing_model").unwrap_or_else(|| "medium".into());
            let batch = q
                .get("timing_batch")
                .and_then(|b| b.parse().ok())
                .unwrap_or(256usize);
            (model, batch)
        })
    };
    let result = Resource::new(request, |req| async move {
        match req {
            Some((model, batch)) => timing_demo(model, batch).await.map(Some),
            None => Ok(None),
        }
    });
    let selected_model = move || request().map(|r| r.0).unwrap_or_else(|| "medium".into());
    view! {
        <section class="demo-card timing-demo" aria-labelledby="timing-demo-title">
            <h3 id="timing-demo-title">"Try it: time the same GPU work two ways"</h3>
            <Form method="GET" action="">
                <input type="hidden" name="timing" value="run"/>
                <label>
                    "Model "
                    <select name="timing_model">
                        {Preset::ALL
                            .into_iter()
                            .map(|m| {
                                let name = m.name();
                                view! {
                                    <option value=name selected=move || selected_model() == name>
                                        {format!("{name} ({})", m.shape())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    " Batch "
                    <input type="number" name="timing_batch" min="1" max="1024" value="256"/>
                </label>
                " "
                <button type="submit">"Time it"</button>
            </Form>
            <Suspense fallback=|| view! { <p aria-live="polite">"Measuring on the server…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(Some(t)) => view! { <TimingTable timing=t/> }.into_any(),
                        Ok(None) => view! {
                            <p class="meta">"Press “Time it” to measure on this server's GPU."</p>
                        }.into_any(),
                        Err(e) => error_line(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn TimingTable(timing: TimingReport) -> impl IntoView {
    let ratio = if timing.submit_only_ms > 0.0 {
        format!("{:.0}×", timing.submit_and_wait_ms / timing.submit_only_ms)
    } else {
        "—".into()
    };
    let warm = timing.warm_call;
    view! {
        <p class="adapter-line">
            "Ran on " <strong>{timing.adapter.clone()}</strong>
            {timing.software.then(|| view! { <span class="software-label">{format!(" — {}", timing.label)}</span> })}
            {format!(" · model {}, batch {}", timing.model.name(), timing.batch)}
        </p>
        <table class="data timing-table">
            <thead>
                <tr><th scope="col">"What was timed"</th><th scope="col">"Time"</th></tr>
            </thead>
            <tbody>
                <tr>
                    <td>"(a) encode + " <code>"queue.submit()"</code> " returns — no waiting"</td>
                    <td class="num">{ms(timing.submit_only_ms)}</td>
                </tr>
                <tr>
                    <td>"(b) the same work, timed until the GPU has finished (" <code>"device.poll(Wait)"</code> ")"</td>
                    <td class="num">{ms(timing.submit_and_wait_ms)}</td>
                </tr>
                <tr>
                    <td>"(c) first call on a fresh device: setup, shader compile, weight upload, one batch"</td>
                    <td class="num">{ms(timing.cold_first_call_ms)}</td>
                </tr>
                <tr>
                    <td>{format!("(d) warm calls: median of {} (p10–p90)", warm.samples)}</td>
                    <td class="num">{format!("{} ({}–{})", ms(warm.median_ms), ms(warm.p10_ms), ms(warm.p90_ms))}</td>
                </tr>
            </tbody>
        </table>
        <p>
            {format!("Timing without waiting reported a time {ratio} smaller than the real one. ")}
            {timing.explanation}
        </p>
    }
}
