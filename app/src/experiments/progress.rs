//! Following a job's progress: server-sent events from
//! `/api/lab/jobs/{id}/events`, read with the browser's `EventSource`.

use leptos::prelude::*;

use lab_types::JobStatus;

/// Calls `on_status` for every update of the job until it is final (browser only;
/// on the server there is nothing to follow).
#[cfg(feature = "hydrate")]
pub fn follow_job(job_id: &str, on_status: impl Fn(JobStatus) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Ok(source) = web_sys::EventSource::new(&format!("/api/lab/jobs/{job_id}/events")) else {
        on_status(JobStatus::Failed {
            message: "this browser cannot follow the progress".into(),
        });
        return;
    };
    let stream = source.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            let Ok(status) = serde_json::from_str::<JobStatus>(&text) else {
                return;
            };
            if status.is_final() {
                // Closed before the server ends the stream, so the browser does not reconnect.
                stream.close();
            }
            on_status(status);
        });
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the stream; one small closure per experiment.
    on_message.forget();
}

#[cfg(not(feature = "hydrate"))]
pub fn follow_job(_job_id: &str, _on_status: impl Fn(JobStatus) + 'static) {}

/// A status line with a progress bar while the job queues and runs.
#[component]
pub fn JobStatusLine(status: Signal<Option<JobStatus>>) -> impl IntoView {
    move || {
        status.get().map(|s| match s {
            JobStatus::Queued { position: 0 } => view! { <p class="job-status" role="status">"Queued…"</p> }.into_any(),
            JobStatus::Queued { position } => view! {
                <p class="job-status" role="status">
                    {format!("Waiting for a free device: position {position} in the queue (1 = next).")}
                </p>
            }
            .into_any(),
            JobStatus::Running { step, of, what } => view! {
                <p class="job-status" role="status">
                    {format!("Measuring {step} of {of} ({what})… ")}
                    <progress max=of.to_string() value=(step - 1).to_string()></progress>
                </p>
            }
            .into_any(),
            JobStatus::Done { .. } => view! { <p class="job-status" role="status">"Done."</p> }.into_any(),
            JobStatus::Failed { message } => view! { <p class="job-status error" role="alert">{message}</p> }.into_any(),
            JobStatus::Cancelled => view! { <p class="job-status" role="status">"Cancelled."</p> }.into_any(),
        })
    }
}
