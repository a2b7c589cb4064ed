//! Lesson 5's demo: cost per million inferences from editable hourly prices and the
//! throughput measured on this server.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use super::error_line;
use super::server::{throughput_of_run, MeasureThroughput, Throughput};
use crate::experiments::describe::grouped;
use crate::predictions::types::PredictedDemo;
use crate::predictions::{PredictionFields, PredictionResult};

/// Example prices, not quotes: a learner should type their provider's current ones.
const EXAMPLE_GPU_PRICE: f64 = 2.50;
const EXAMPLE_CPU_PRICE: f64 = 0.20;
const EXAMPLE_PRICES_NOTE: &str =
    "Default prices are illustrative examples chosen on 2026-11-25 (a one-GPU cloud instance vs a small \
     2-vCPU instance), not quotes: replace them with your provider's current prices.";

/// Cost of one million inferences: hourly price / (3,600 × items per second) × 10^6,
/// divided by utilisation because idle hours are paid for too. `None` when the
/// inputs do not make sense (no throughput, utilisation of 0).
pub fn cost_per_million(price_per_hour: f64, items_per_s: f64, utilisation: f64) -> Option<f64> {
    let valid = price_per_hour.is_finite()
        && price_per_hour >= 0.0
        && items_per_s.is_finite()
        && items_per_s > 0.0
        && utilisation.is_finite()
        && utilisation > 0.0
        && utilisation <= 1.0;
    valid.then(|| price_per_hour / (3_600.0 * items_per_s) * 1e6 / utilisation)
}

/// Which device is cheaper per million inferences in a measured run at the
/// typed prices (the example ones when missing): what the cost prediction is
/// scored against.
#[cfg(feature = "ssr")]
pub fn cheaper_device(
    report: &lab_types::RunReport,
    gpu_price: Option<f64>,
    cpu_price: Option<f64>,
    utilisation_percent: Option<f64>,
) -> crate::predictions::types::Measured {
    use crate::predictions::types::Measured;
    use lab_types::DeviceKind;
    let utilisation = (utilisation_percent.unwrap_or(100.0) / 100.0).clamp(0.01, 1.0);
    let cost = |kind, price| {
        report
            .result(kind)
            .and_then(|r| cost_per_million(price, r.items_per_s, utilisation))
    };
    let gpu = cost(DeviceKind::Gpu, gpu_price.unwrap_or(EXAMPLE_GPU_PRICE));
    let cpu = cost(DeviceKind::Cpu, cpu_price.unwrap_or(EXAMPLE_CPU_PRICE));
    match (gpu, cpu) {
        (Some(g), Some(c)) if g < c => Measured::Choice("gpu".into()),
        (Some(g), Some(c)) if c < g => Measured::Choice("cpu".into()),
        _ => Measured::Unavailable,
    }
}

fn parse_or(value: Option<String>, default: f64) -> f64 {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .unwrap_or(default)
}

#[derive(Clone, Copy, PartialEq)]
struct Prices {
    gpu: f64,
    cpu: f64,
    /// 0..=1
    utilisation: f64,
}

#[component]
pub fn CostCalculator() -> impl IntoView {
    let query = use_query_map();
    let prices = move || {
        let q = query.read();
        Prices {
            gpu: parse_or(q.get("gpu_price"), EXAMPLE_GPU_PRICE),
            cpu: parse_or(q.get("cpu_price"), EXAMPLE_CPU_PRICE),
            utilisation: (parse_or(q.get("utilisation"), 100.0) / 100.0).clamp(0.01, 1.0),
        }
    };
    let measure = ServerAction::<MeasureThroughput>::new();
    // With JavaScript, go where a plain form post is redirected: the saved
    // run and the prices the form was sent with.
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(query)) = measure.value().get() {
            navigate(
                &format!("?{query}#cost-demo-title"),
                NavigateOptions {
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    });
    // A page view only reads a saved run: editing a price never re-measures.
    let run_id = move || query.read().get("cost_run");
    let throughput = Resource::new(run_id, |id| async move {
        match id {
            Some(id) => throughput_of_run(id).await,
            None => Ok(None),
        }
    });
    let refused = move || match measure.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => query
            .read()
            .get("cost_error")
            .and_then(|code| crate::experiments::error_code::message(&code, None)),
    };
    let price_inputs = move || {
        view! {
            <label>"GPU price ($/hour) "
                <input type="number" name="gpu_price" min="0" step="0.01" value=move || prices().gpu.to_string()/>
            </label>
            <label>"CPU price ($/hour) "
                <input type="number" name="cpu_price" min="0" step="0.01" value=move || prices().cpu.to_string()/>
            </label>
            <label>"Utilisation (%) "
                <input type="number" name="utilisation" min="1" max="100" step="1"
                    value=move || format!("{:.0}", prices().utilisation * 100.0)/>
            </label>
        }
    };
    view! {
        <section class="demo-card cost-demo" aria-labelledby="cost-demo-title">
            <h3 id="cost-demo-title">"Try it: cost per million inferences on this server"</h3>
            <ActionForm action=measure>
                <div class="form-grid">
                    {price_inputs}
                    <label>"Model "
                        <select name="model">
                            <option value="tiny">"tiny"</option>
                            <option value="medium" selected>"medium"</option>
                            <option value="large">"large"</option>
                        </select>
                    </label>
                    <label>"Batch "
                        <input type="number" name="batch" min="1" max="1024" value="256"/>
                    </label>
                </div>
                <PredictionFields demo=PredictedDemo::CostCalculator/>
                <button type="submit" disabled=move || measure.pending().get()>"Measure and compare"</button>
            </ActionForm>
            {move || run_id().map(|id| view! {
                // New prices for the same measurement: a page view, no new run.
                <Form method="GET" action="">
                    <input type="hidden" name="cost_run" value=id/>
                    <div class="form-grid">{price_inputs}</div>
                    <button type="submit">"Recompute with these prices"</button>
                </Form>
            })}
            <p class="meta">{EXAMPLE_PRICES_NOTE}</p>
            {move || measure.pending().get().then(|| view! {
                <p aria-live="polite">"Measuring throughput on the server…"</p>
            })}
            {move || refused().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            // Outside the result's Suspense: its resource must not be created inside another's.
            <PredictionResult param="cost_prediction"/>
            <Suspense fallback=|| view! { <p aria-live="polite">"Loading the measurement…"</p> }>
                {move || Suspend::new(async move {
                    match throughput.await {
                        Ok(Some(t)) => view! { <CostTable throughput=t prices=prices()/> }.into_any(),
                        Ok(None) if run_id().is_some() => view! {
                            <p class="meta">"That measurement is not stored any more: press “Measure and compare” to measure again."</p>
                        }.into_any(),
                        Ok(None) => view! {
                            <p class="meta">"Press “Measure and compare” to measure items/s on this server's GPU and CPU."</p>
                        }.into_any(),
                        Err(e) => error_line(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn CostTable(throughput: Throughput, prices: Prices) -> impl IntoView {
    let row = |device: &'static str, ips: Option<f64>, label: Option<String>, price: f64| {
        let cost = ips.and_then(|i| cost_per_million(price, i, prices.utilisation));
        view! {
            <tr>
                <th scope="row">{device} {label.map(|l| view! { <span class="meta">{format!(" ({l})")}</span> })}</th>
                <td class="num">{ips.map(|i| grouped(i.round() as usize)).unwrap_or_else(|| "not measured".into())}</td>
                <td class="num">{format!("${price:.2}")}</td>
                <td class="num"><strong>{cost.map(|c| format!("${c:.4}")).unwrap_or_else(|| "—".into())}</strong></td>
            </tr>
        }
    };
    let gpu_cost = throughput
        .gpu_items_per_s
        .and_then(|i| cost_per_million(prices.gpu, i, prices.utilisation));
    let cpu_cost = throughput
        .cpu_items_per_s
        .and_then(|i| cost_per_million(prices.cpu, i, prices.utilisation));
    let verdict = match (gpu_cost, cpu_cost) {
        (Some(g), Some(c)) if g < c => format!(
            "At these prices the GPU is cheaper per inference ({:.1}× less).",
            c / g
        ),
        (Some(g), Some(c)) if c < g => format!(
            "At these prices the CPU is cheaper per inference ({:.1}× less).",
            g / c
        ),
        (Some(_), Some(_)) => "At these prices both cost the same per inference.".to_string(),
        _ => "Only one device could be measured.".to_string(),
    };
    view! {
        <table class="data cost-table">
            <thead>
                <tr>
                    <th scope="col">"Device"</th>
                    <th scope="col">"Measured items/s"</th>
                    <th scope="col">"Price/hour"</th>
                    <th scope="col">{format!("Cost per million at {:.0}% utilisation", prices.utilisation * 100.0)}</th>
                </tr>
            </thead>
            <tbody>
                {row("GPU", throughput.gpu_items_per_s, throughput.gpu_label.clone(), prices.gpu)}
                {row("CPU", throughput.cpu_items_per_s, throughput.cpu_label.clone(), prices.cpu)}
            </tbody>
        </table>
        <p aria-live="polite">{verdict}</p>
        <p class="meta">
            {format!("Model {}, batch {}. ", throughput.model.name(), throughput.batch)}
            <a href=format!("/lab/runs/{}", throughput.run_id)>"See the full measurement"</a>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::cost_per_million;

    #[test]
    fn follows_the_lesson_formula() {
        // $3.60/h at 1,000 items/s: 3.6 / 3.6e6 per item = $1 per million.
        let c = cost_per_million(3.60, 1_000.0, 1.0).unwrap();
        assert!((c - 1.0).abs() < 1e-12, "{c}");
        // Half the utilisation doubles the cost of what is actually served.
        let half = cost_per_million(3.60, 1_000.0, 0.5).unwrap();
        assert!((half - 2.0).abs() < 1e-12, "{half}");
    }

    #[test]
    fn refuses_nonsense() {
        assert_eq!(cost_per_million(1.0, 0.0, 1.0), None);
        assert_eq!(cost_per_million(1.0, 10.0, 0.0), None);
        assert_eq!(cost_per_million(-1.0, 10.0, 1.0), None);
        assert_eq!(cost_per_million(f64::NAN, 10.0, 1.0), None);
    }
}
