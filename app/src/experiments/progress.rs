//! Following a job's progress: server-sent events from
//! `/api/lab/jobs/{id}/events`, read with the browser's `EventSource`.

use leptos::prelude::*;

use super::estimate::Estimate;
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

/// When the job started running and each of its steps (a sweep's points)
/// began, against a clock that ticks twice a second in the browser: what the
/// time left is counted from.
#[derive(Clone, Copy)]
pub struct Stopwatch {
    /// The step running now (0: not running yet).
    step: RwSignal<usize>,
    step_started_ms: RwSignal<f64>,
    /// Seconds the finished steps took.
    before_s: RwSignal<f64>,
    now_ms: RwSignal<f64>,
}

impl Stopwatch {
    pub fn new() -> Stopwatch {
        let now_ms = RwSignal::new(clock_ms());
        #[cfg(feature = "hydrate")]
        if let Ok(handle) = set_interval_with_handle(
            move || now_ms.set(clock_ms()),
            std::time::Duration::from_millis(500),
        ) {
            on_cleanup(move || handle.clear());
        }
        Stopwatch {
            step: RwSignal::new(0),
            step_started_ms: RwSignal::new(0.0),
            before_s: RwSignal::new(0.0),
            now_ms,
        }
    }

    /// A new job.
    pub fn reset(&self) {
        self.step.set(0);
        self.before_s.set(0.0);
    }

    /// Notes when a step starts.
    pub fn observe(&self, status: &JobStatus) {
        let JobStatus::Running { step, .. } = status else {
            return;
        };
        let current = self.step.get_untracked();
        if *step == current {
            return;
        }
        let now = clock_ms();
        if current > 0 {
            let took = (now - self.step_started_ms.get_untracked()) / 1e3;
            self.before_s.update(|b| *b += took.max(0.0));
        }
        self.step.set(*step);
        self.step_started_ms.set(now);
    }

    /// (seconds so far, seconds left) of a running job with this estimate.
    fn times(&self, estimate: &Estimate) -> (f64, f64) {
        let in_step = ((self.now_ms.get() - self.step_started_ms.get()) / 1e3).max(0.0);
        let before = self.before_s.get();
        let left = estimate.left_s(self.step.get(), before, in_step);
        (before + in_step, left)
    }
}

impl Default for Stopwatch {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "hydrate")]
fn clock_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[cfg(not(feature = "hydrate"))]
fn clock_ms() -> f64 {
    0.0
}

/// "about 12 s left", rounded so the line does not flicker.
fn time_left(left_s: f64) -> String {
    match left_s {
        s if s <= 0.0 => "taking longer than estimated…".into(),
        s if s < 1.5 => "about a second left".into(),
        s if s < 90.0 => format!("about {:.0} s left", s.round()),
        s => format!("about {:.0} min left", (s / 60.0).round()),
    }
}

/// A status line while the job queues and runs, then its outcome; while it
/// runs, a progress bar with the time left when there is an estimate (kept
/// out of the live region, which announces only the steps).
#[component]
pub fn JobStatusLine(
    status: Signal<Option<JobStatus>>,
    estimate: Signal<Option<Estimate>>,
    stopwatch: Stopwatch,
) -> impl IntoView {
    move || {
        status.get().map(|s| match s {
            JobStatus::Queued { position: 0 } => view! { <p class="job-status" role="status">"Queued…"</p> }.into_any(),
            JobStatus::Queued { position } => view! {
                <p class="job-status" role="status">
                    {format!("Waiting for a free device: position {position} in the queue (1 = next).")}
                </p>
            }
            .into_any(),
            JobStatus::Running { step, of, what } => {
                let bar = move || match estimate.get() {
                    Some(e) => {
                        let (so_far, left) = stopwatch.times(&e);
                        let fraction = so_far / (so_far + left).max(1e-9);
                        view! {
                            <progress max="1000" value=format!("{:.0}", fraction.min(0.99) * 1e3)
                                aria-label="Progress, by the time estimate"></progress>
                            " " <span class="time-left">{time_left(left)}</span>
                        }
                        .into_any()
                    }
                    None => view! {
                        <progress max=of.to_string() value=(step - 1).to_string()
                            aria-label="Progress, in measurements"></progress>
                    }
                    .into_any(),
                };
                let basis = move || {
                    estimate.get().map_or_else(
                        || "No time estimate yet: this server has not measured this model on \
                            these devices before."
                            .to_string(),
                        |e| e.basis,
                    )
                };
                view! {
                    <p class="job-status" role="status">{format!("Measuring {step} of {of} ({what})…")}</p>
                    <p class="job-progress">{bar}</p>
                    <p class="meta estimate-basis">{basis}</p>
                }
                .into_any()
            }
            JobStatus::Done { .. } => view! { <p class="job-status" role="status">"Done."</p> }.into_any(),
            JobStatus::Failed { message } => view! { <p class="job-status error" role="alert">{message}</p> }.into_any(),
            JobStatus::Cancelled => view! { <p class="job-status" role="status">"Cancelled."</p> }.into_any(),
        })
    }
}
