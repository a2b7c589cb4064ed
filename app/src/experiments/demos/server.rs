//! Server functions behind the lesson demos. Measuring is a POST (a server
//! function) and never a page view: a GET of a lesson, with any query, only
//! shows results that already exist.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use lab_types::{LabError, Preset, TimingReport};

#[cfg(feature = "ssr")]
use crate::request::refuse;

/// Items per second measured on this server, per device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    pub model: Preset,
    pub batch: usize,
    pub gpu_items_per_s: Option<f64>,
    pub gpu_label: Option<String>,
    pub cpu_items_per_s: Option<f64>,
    pub cpu_label: Option<String>,
    /// The saved run the numbers come from.
    pub run_id: String,
}

#[cfg(feature = "ssr")]
fn model_from(name: &str) -> Result<Preset, LabError> {
    name.parse::<Preset>()
        .map_err(|e| refuse(LabError::invalid("model", e.to_string())))
}

#[cfg(feature = "ssr")]
fn batch_from(batch: &str) -> Result<usize, LabError> {
    batch.trim().parse::<usize>().map_err(|_| {
        refuse(LabError::invalid(
            "batch",
            "the batch must be a whole number",
        ))
    })
}

/// The fair-share owner of a demo: the learner when the request has one, else
/// the client's address. Demos never create a learner.
#[cfg(feature = "ssr")]
async fn owner(state: &crate::state::ServerState) -> Result<crate::lab::Owner, LabError> {
    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| refuse(LabError::failed("learner for a demo", e)))?;
    Ok(crate::request::client::owner(learner))
}

/// Refuses, before a demo runs, a request whose result could not be stored
/// because its client may not store another prediction or create another
/// learner now.
#[cfg(feature = "ssr")]
async fn may_store(state: &crate::state::ServerState) -> Result<(), LabError> {
    crate::predictions::server::may_predict(&state.limits).await?;
    crate::learner::may_create_learner(&state.pool)
        .await
        .map_err(|e| e.into_lab_error("learner for a demo"))
}

/// The guess in a demo's form (read before anything runs).
#[cfg(feature = "ssr")]
fn predicted(
    demo: crate::predictions::types::PredictedDemo,
    prediction: &Option<String>,
    dont_know: &Option<String>,
) -> Result<crate::predictions::types::Guess, LabError> {
    crate::predictions::server::guess_from(demo, prediction.as_deref(), dont_know.as_deref())
}

/// A demo's refusal. A plain form post goes back to the lesson with the
/// error's code (`{prefix}_error=…`), never its text, in the URL.
#[cfg(feature = "ssr")]
fn refuse_demo(prefix: &str, anchor: &str, e: LabError) -> LabError {
    let code = crate::experiments::error_code::code(&e);
    crate::request::redirect_to_page(&format!("{prefix}_error={code}"), anchor);
    refuse(e)
}

/// The timing lesson's measurement: submit without waiting vs waiting, cold vs
/// warm. The report is kept for a while; the answer is the lesson's query that
/// shows it (`timing_result=<id>`), where a plain form post is redirected.
#[server(prefix = "/api", endpoint = "demos/timing")]
pub async fn timing_demo(
    model: String,
    batch: String,
    prediction: Option<String>,
    dont_know: Option<String>,
) -> Result<String, LabError> {
    use crate::predictions::types::{Measured, PredictedDemo};
    use lab_types::TimingParams;
    const ANCHOR: &str = "timing-demo-title";
    const DEMO: PredictedDemo = PredictedDemo::Timing;
    let fail = |e| refuse_demo("timing", ANCHOR, e);
    let guess = predicted(DEMO, &prediction, &dont_know).map_err(fail)?;
    let params = TimingParams {
        model: model_from(&model).map_err(fail)?,
        batch: batch_from(&batch).map_err(fail)?,
        ..TimingParams::default()
    };
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    let owner = owner(&state).await?;
    // The prediction is stored for a learner afterwards: a client out of new
    // learners is refused before the GPU does any work.
    may_store(&state).await.map_err(fail)?;
    let (id, report) = state.lab.timing_demo(params, owner).await.map_err(fail)?;
    // Kept in the database, so the page the form post lands on can show it
    // whichever web instance serves that page.
    lab_storage::timing_reports::keep(&state.pool, &id, &report, now_ms())
        .await
        .map_err(|e| fail(LabError::failed("keeping the timing report", e)))?;
    // How many times the real time exceeds the time without waiting, with
    // the range the calls' spread allows.
    let measured = crate::predictions::ratio::ratio(&report.submit_and_wait, &report.submit_only)
        .unwrap_or(Measured::Unavailable);
    let predicted = crate::predictions::server::record(DEMO, &id, &guess, &measured)
        .await
        .map_err(fail)?;
    crate::classes::record_demo(&state.pool, Some(predicted.learner), "timing").await;
    let query = format!("timing_result={id}&timing_prediction={}", predicted.id);
    crate::request::redirect_to_page(&query, ANCHOR);
    Ok(query)
}

/// A timing report kept from an earlier `timing_demo` (reads only).
#[server(prefix = "/api", endpoint = "demos/timing/result")]
pub async fn timing_result(id: String) -> Result<Option<TimingReport>, LabError> {
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    lab_storage::timing_reports::get(&state.pool, &id, now_ms())
        .await
        .map_err(|e| refuse(LabError::failed("reading a timing report", e)))
}

#[cfg(feature = "ssr")]
fn now_ms() -> i64 {
    lab_storage::db::now_ms()
}

/// Measures items/s on both devices for the cost calculator (a normal, saved
/// run). The answer is the lesson's query that shows it with the prices it was
/// sent with (`cost_run=<id>&gpu_price=…`), where a plain form post is redirected.
#[server(prefix = "/api", endpoint = "demos/throughput")]
pub async fn measure_throughput(
    model: String,
    batch: String,
    gpu_price: Option<String>,
    cpu_price: Option<String>,
    rate: Option<String>,
    prediction: Option<String>,
    dont_know: Option<String>,
) -> Result<String, LabError> {
    use crate::predictions::types::PredictedDemo;
    use lab_types::{DeviceChoice, RunParams};
    const ANCHOR: &str = "cost-demo-title";
    const DEMO: PredictedDemo = PredictedDemo::CostCalculator;
    let fail = |e| refuse_demo("cost", ANCHOR, e);
    let guess = predicted(DEMO, &prediction, &dont_know).map_err(fail)?;
    let params = RunParams {
        model: model_from(&model).map_err(fail)?,
        // Enough items for a steady rate, few enough that a software GPU answers in seconds.
        n: 1024,
        batch: batch_from(&batch).map_err(fail)?,
        device: DeviceChoice::Both,
        repeats: 3,
        ..RunParams::default()
    };
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    let owner = owner(&state).await?;
    may_store(&state).await.map_err(fail)?;
    crate::experiments::server::take_run(&state.limits, owner.client())
        .await
        .map_err(fail)?;
    let (run_id, report) = state.lab.run(params, owner).await.map_err(fail)?;
    // Prices go back as numbers only (they were typed by the learner).
    let price = |v: &Option<String>| {
        v.as_deref()
            .and_then(|p| p.trim().parse::<f64>().ok())
            .filter(|p| p.is_finite())
    };
    let rate = super::cost::parse_rate(rate.as_deref());
    let measured = super::cost::cheaper_device(&report, price(&gpu_price), price(&cpu_price), rate);
    let predicted = crate::predictions::server::record(DEMO, &run_id, &guess, &measured)
        .await
        .map_err(fail)?;
    crate::classes::record_demo(&state.pool, Some(predicted.learner), "cost-calculator").await;
    let mut query = format!("cost_run={run_id}&cost_prediction={}", predicted.id);
    for (name, value) in [
        ("gpu_price", price(&gpu_price)),
        ("cpu_price", price(&cpu_price)),
        ("rate", rate),
    ] {
        if let Some(v) = value {
            query.push_str(&format!("&{name}={v}"));
        }
    }
    crate::request::redirect_to_page(&query, ANCHOR);
    Ok(query)
}

/// The throughput of a saved run (reads only): what the cost table shows.
#[server(prefix = "/api", endpoint = "demos/throughput/result")]
pub async fn throughput_of_run(run_id: String) -> Result<Option<Throughput>, LabError> {
    use lab_types::{DeviceKind, ExperimentResult};
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let saved = lab_storage::runs::load_run(&pool, &run_id)
        .await
        .map_err(|e| refuse(LabError::failed(format!("loading run {run_id}"), e)))?;
    let Some(saved) = saved else {
        return Ok(None);
    };
    let ExperimentResult::Run(view) = saved.result else {
        return Ok(None);
    };
    let pick = |kind| view.result(kind).map(|r| (r.items_per_s, r.label.clone()));
    let (gpu, cpu) = (pick(DeviceKind::Gpu), pick(DeviceKind::Cpu));
    Ok(Some(Throughput {
        model: view.params.model,
        batch: view.params.batch,
        gpu_items_per_s: gpu.as_ref().map(|g| g.0),
        gpu_label: gpu.map(|g| g.1),
        cpu_items_per_s: cpu.as_ref().map(|c| c.0),
        cpu_label: cpu.map(|c| c.1),
        run_id: saved.id,
    }))
}

/// The adapters under a visibility string. `set = false` means the variable is unset;
/// `set = true` with an empty `visible` means it is the empty string (no GPU). Two
/// fields, because an empty `Option<String>` does not survive form encoding.
/// A read only: the lesson page calls it while rendering a GET, so it counts
/// no demo run (`predict_devices`, the form's POST, does).
#[server(prefix = "/api", endpoint = "demos/devices")]
pub async fn devices_under(set: bool, visible: String) -> Result<lab_types::DeviceList, LabError> {
    if visible.len() > 200 {
        return Err(refuse(LabError::invalid(
            "visible",
            "the visibility string is longer than 200 characters",
        )));
    }
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    state
        .lab
        .devices(set.then_some(visible))
        .await
        .map_err(refuse)
}

/// The visibility demo's form: the learner predicts how many GPUs the program
/// will see under the string, then sees the list. Listing changes nothing, but
/// storing the prediction is a write, so this is a POST; the answer is the
/// lesson's query that shows the list and the prediction beside it.
#[server(prefix = "/api", endpoint = "demos/devices/predict")]
pub async fn predict_devices(
    vis_mode: String,
    visible: Option<String>,
    prediction: Option<String>,
    dont_know: Option<String>,
) -> Result<String, LabError> {
    use crate::experiments::query::encode;
    use crate::predictions::types::{Measured, PredictedDemo};
    const ANCHOR: &str = "visibility-demo-title";
    const DEMO: PredictedDemo = PredictedDemo::Visibility;
    let fail = |e| refuse_demo("vis", ANCHOR, e);
    let visible = visible.unwrap_or_default();
    let spec = match vis_mode.as_str() {
        "set" => Some(visible),
        "unset" => None,
        _ => {
            return Err(fail(LabError::invalid(
                "vis_mode",
                "choose “leave unset” or “set to”",
            )))
        }
    };
    if spec.as_ref().is_some_and(|s| s.len() > 200) {
        return Err(fail(LabError::invalid(
            "visible",
            "the visibility string is longer than 200 characters",
        )));
    }
    let guess = predicted(DEMO, &prediction, &dont_know).map_err(fail)?;
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    may_store(&state).await.map_err(fail)?;
    let devices = state.lab.devices(spec.clone()).await.map_err(fail)?;
    let seen = devices
        .adapters
        .iter()
        .filter(|a| a.visible_index.is_some())
        .count();
    // A count: right only when exact.
    let measured = Measured::Count(u32::try_from(seen).unwrap_or(u32::MAX));
    let run_ref = spec
        .as_deref()
        .map_or("unset".to_string(), |s| format!("'{s}'"));
    let recorded = crate::predictions::server::record(DEMO, &run_ref, &guess, &measured)
        .await
        .map_err(fail)?;
    crate::classes::record_demo(&state.pool, Some(recorded.learner), "visibility").await;
    let predicted = recorded.id;
    let query = match &spec {
        Some(s) => format!(
            "vis_mode=set&visible={}&vis_prediction={predicted}",
            encode(s)
        ),
        None => format!("vis_mode=unset&vis_prediction={predicted}"),
    };
    crate::request::redirect_to_page(&query, ANCHOR);
    Ok(query)
}
