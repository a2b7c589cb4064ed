//! Server functions of the roofline: reading the kept roofs and the points
//! (never measuring), and measuring the roofs (a POST, queued like a run).

use leptos::prelude::*;

use super::points::RoofPoint;
#[cfg(feature = "ssr")]
use super::points::{model_intensity, result_points, Source};
use lab_types::{LabError, Preset, RoofsView};

#[cfg(feature = "ssr")]
use crate::request::refuse;

/// How many of a learner's newest saved results become their points.
#[cfg(feature = "ssr")]
const OWN_RESULTS: i64 = 20;

/// Where a plain form post is sent back to.
pub const ANCHOR: &str = "roofline-title";

/// The roofs this server has measured so far (reads only).
#[server(prefix = "/api", endpoint = "roofs")]
pub async fn get_roofs() -> Result<RoofsView, LabError> {
    let lab = crate::state::lab().map_err(|e| refuse(e.into()))?;
    Ok(lab.roofs())
}

/// Measures the roofs (once per process; later posts answer with the kept
/// ones). With `predict` set (the lesson's demo), the learner's prediction of
/// what bounds `medium` at b = 1 is read first and scored afterwards. The
/// answer is the page query that shows the outcome, where a plain form post
/// is redirected.
#[server(prefix = "/api", endpoint = "roofs/measure")]
pub async fn measure_roofs(
    predict: Option<String>,
    prediction: Option<String>,
    dont_know: Option<String>,
) -> Result<String, LabError> {
    use crate::predictions::types::{Measured, PredictedDemo};
    const DEMO: PredictedDemo = PredictedDemo::Roofline;
    let fail = |e| {
        let code = crate::experiments::error_code::code(&e);
        crate::request::redirect_to_page(&format!("roofs_error={code}"), ANCHOR);
        refuse(e)
    };
    let predicting = predict.is_some();
    let guess = if predicting {
        Some(
            crate::predictions::server::guess_from(
                DEMO,
                prediction.as_deref(),
                dont_know.as_deref(),
            )
            .map_err(fail)?,
        )
    } else {
        None
    };
    let state = crate::state::server_state().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_learner(&state.pool)
        .await
        .map_err(|e| refuse(LabError::failed("learner for the roofs", e)))?;
    let owner = crate::request::client::owner(learner);
    if predicting {
        // A client out of new learners is refused before any measuring.
        crate::predictions::server::may_predict(&state.limits)
            .await
            .map_err(fail)?;
        crate::learner::may_create_learner(&state.pool)
            .await
            .map_err(|e| fail(e.into_lab_error("learner for a prediction")))?;
    }
    let view = state.lab.measure_roofs(owner).await.map_err(fail)?;
    let Some(guess) = guess else {
        let query = "roofs=measured".to_string();
        crate::request::redirect_to_page(&query, ANCHOR);
        return Ok(query);
    };
    // What bounds medium at b = 1 on the GPU (the CPU where there is none).
    let intensity = model_intensity(Preset::Medium.widths(), 1);
    let measured = view
        .device(lab_types::DeviceKind::Gpu)
        .or_else(|| view.roofs.first())
        .map(|r| Measured::Choice(r.bound(intensity).name().to_string()))
        .unwrap_or(Measured::Unavailable);
    let recorded = crate::predictions::server::record(DEMO, "roofs", &guess, &measured)
        .await
        .map_err(fail)?;
    crate::classes::record_demo(&state.pool, Some(recorded.learner), "roofline").await;
    let query = format!("roofline_prediction={}", recorded.id);
    crate::request::redirect_to_page(&query, ANCHOR);
    Ok(query)
}

/// The current learner's own points: their newest saved results (none
/// without a learner). Reads only.
#[server(prefix = "/api", endpoint = "roofs/points")]
pub async fn own_points() -> Result<Vec<RoofPoint>, LabError> {
    let pool = crate::state::pool().map_err(|e| refuse(e.into()))?;
    let learner = crate::learner::current_learner(&pool)
        .await
        .map_err(|e| refuse(LabError::failed("learner for the roofline", e)))?;
    let Some(learner) = learner else {
        return Ok(Vec::new());
    };
    let results = lab_storage::runs::learner_results(&pool, learner, OWN_RESULTS)
        .await
        .map_err(|e| refuse(LabError::failed("loading results", e)))?;
    Ok(results
        .iter()
        .flat_map(|r| {
            let (points, paths) = result_points(r);
            points
                .into_iter()
                .chain(paths.into_iter().flat_map(|p| p.points))
        })
        .collect())
}

/// Batch sizes whose production rows go on the chart: the ends and the
/// middle of the lab's range, so the labels stay readable.
#[cfg(feature = "ssr")]
const REFERENCE_BATCHES: [usize; 3] = [1, 64, 1024];

/// The production rows recorded for `model` (`content/references/`) at
/// b = 1, 64 and 1,024, as points: measured on other machines, never placed
/// under this server's roofs.
#[server(prefix = "/api", endpoint = "roofs/references")]
pub async fn reference_points(model: Preset) -> Result<Vec<RoofPoint>, LabError> {
    let content = crate::state::content().map_err(LabError::from)?;
    Ok(content
        .references()
        .iter()
        .flat_map(|set| {
            let p = &set.provenance;
            let library = short_library(&p.library);
            set.rows
                .iter()
                .filter(move |row| row.preset == model && REFERENCE_BATCHES.contains(&row.batch))
                .map(move |row| RoofPoint {
                    device: p.device,
                    adapter: p.machine.clone(),
                    label: format!("{library} b={}", row.batch),
                    intensity: model_intensity(model.widths(), row.batch),
                    gflops: row.gflops,
                    source: Source::Reference,
                })
        })
        .collect())
}

/// "cuBLAS" for PyTorch's rows, else the library's first word.
#[cfg(feature = "ssr")]
fn short_library(library: &str) -> String {
    if library.contains("cuBLAS") {
        "cuBLAS".into()
    } else {
        library
            .split_whitespace()
            .next()
            .unwrap_or(library)
            .to_string()
    }
}
