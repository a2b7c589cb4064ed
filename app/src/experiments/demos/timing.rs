//! Lesson 3's demo: the same GPU work timed without waiting vs with waiting, and the
//! first (cold) call vs warm calls.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::error_line;
use super::server::{timing_result, TimingDemo as TimingDemoAction};
use crate::experiments::describe::ms;
use crate::predictions::types::PredictedDemo;
use crate::predictions::{PredictionFields, PredictionResult};
use lab_types::{Preset, TimingReport};

#[component]
pub fn TimingDemo() -> impl IntoView {
    let query = use_query_map();
    let measure = ServerAction::<TimingDemoAction>::new();
    // One memo and one value signal per form, not one per read (`pending()` and
    // `value()` make a new one on each call).
    let pending = measure.pending();
    let value = measure.value();
    // With JavaScript, go where a plain form post is redirected: the query
    // that shows the kept report, so a link reproduces it.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(query)) = value.get() {
            navigate(
                &format!("?{query}#timing-demo-title"),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
    // A page view only reads a kept report: it never measures.
    let kept_id = move || query.read().get("timing_result");
    let result = Resource::new(kept_id, |id| async move {
        match id {
            Some(id) => timing_result(id).await,
            None => Ok(None),
        }
    });
    let error_from_url = move || {
        query
            .read()
            .get("timing_error")
            .and_then(|code| crate::experiments::error_code::message(&code, None))
    };
    let refused = move || match value.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => error_from_url(),
    };
    view! {
        <section class="demo-card timing-demo" aria-labelledby="timing-demo-title">
            <h3 id="timing-demo-title">"Try it: time the same GPU work two ways"</h3>
            <ActionForm action=measure>
                <label>
                    "Model "
                    <select name="model">
                        {Preset::ALL
                            .into_iter()
                            .map(|m| {
                                let name = m.name();
                                view! {
                                    <option value=name selected=name == "medium">
                                        {format!("{name} ({})", m.shape())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    " Batch "
                    <input type="number" name="batch" min="1" max="1024" value="256"/>
                </label>
                <PredictionFields demo=PredictedDemo::Timing/>
                <button type="submit" disabled=move || pending.get()>"Time it"</button>
            </ActionForm>
            {move || pending.get().then(|| view! {
                <p aria-live="polite">"Measuring on the server…"</p>
            })}
            {move || refused().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            // Outside the result's Suspense: its resource must not be created inside another's.
            <PredictionResult param="timing_prediction"/>
            <Suspense fallback=|| view! { <p aria-live="polite">"Loading the measurement…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(Some(t)) => view! { <TimingTable timing=t/> }.into_any(),
                        Ok(None) if kept_id().is_some() => view! {
                            <p class="meta">"That measurement is no longer kept: press “Time it” to measure again."</p>
                        }.into_any(),
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
        <div class="table-scroll" tabindex="0">
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
        </div>
        <p>
            {format!("Timing without waiting reported a time {ratio} smaller than the real one. ")}
            {timing.explanation}
        </p>
    }
}
