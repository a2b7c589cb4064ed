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

/// What serving a request rate costs on one kind of device: enough whole
/// instances, each paid for every hour whether busy or idle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fleet {
    /// `ceil(rate / capacity)`, at least 1.
    pub instances: f64,
    /// The share of the fleet's capacity the rate uses: `min(1, rate / capacity)`
    /// for one instance, 1 at full load.
    pub utilisation: f64,
    pub cost_per_hour: f64,
    /// What a million of the requests actually served cost.
    pub cost_per_million: f64,
}

/// The fleet of a device that serves `capacity` items/s at `price_per_hour`,
/// for an expected `rate` of requests per second (`None`: full load, one
/// instance busy all the time). `None` when the inputs make no sense.
pub fn fleet(price_per_hour: f64, capacity: f64, rate: Option<f64>) -> Option<Fleet> {
    let rate = match rate {
        None => capacity,
        Some(r) if r.is_finite() && r > 0.0 => r,
        Some(_) => return None,
    };
    let instances = (rate / capacity).ceil().max(1.0);
    if !instances.is_finite() {
        return None;
    }
    let utilisation = rate / (instances * capacity);
    let cost_per_million = cost_per_million(price_per_hour, capacity, utilisation.min(1.0))?;
    Some(Fleet {
        instances,
        utilisation,
        cost_per_hour: instances * price_per_hour,
        cost_per_million,
    })
}

/// Which device serves a million requests for less; `None` when one is
/// missing or both cost the same.
pub fn cheaper(gpu: Option<Fleet>, cpu: Option<Fleet>) -> Option<lab_types::DeviceKind> {
    use lab_types::DeviceKind;
    match (gpu?, cpu?) {
        (g, c) if g.cost_per_million < c.cost_per_million => Some(DeviceKind::Gpu),
        (g, c) if c.cost_per_million < g.cost_per_million => Some(DeviceKind::Cpu),
        _ => None,
    }
}

/// Which device is cheaper per million inferences in a measured run at the
/// typed prices (the example ones when missing) and request rate (full load
/// when missing): what the cost prediction is scored against.
#[cfg(feature = "ssr")]
pub fn cheaper_device(
    report: &lab_types::RunReport,
    gpu_price: Option<f64>,
    cpu_price: Option<f64>,
    rate: Option<f64>,
) -> crate::predictions::types::Measured {
    use crate::predictions::types::Measured;
    use lab_types::DeviceKind;
    let fleet_of = |kind, price| {
        report
            .result(kind)
            .and_then(|r| fleet(price, r.items_per_s, rate))
    };
    let gpu = fleet_of(DeviceKind::Gpu, gpu_price.unwrap_or(EXAMPLE_GPU_PRICE));
    let cpu = fleet_of(DeviceKind::Cpu, cpu_price.unwrap_or(EXAMPLE_CPU_PRICE));
    match cheaper(gpu, cpu) {
        Some(DeviceKind::Gpu) => Measured::Choice("gpu".into()),
        Some(DeviceKind::Cpu) => Measured::Choice("cpu".into()),
        None => Measured::Unavailable,
    }
}

fn parse_or(value: Option<String>, default: f64) -> f64 {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .unwrap_or(default)
}

/// The expected request rate typed (`None`: blank or not a positive number,
/// meaning full load).
pub fn parse_rate(value: Option<&str>) -> Option<f64> {
    value
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
}

#[derive(Clone, Copy, PartialEq)]
struct Prices {
    gpu: f64,
    cpu: f64,
    /// Expected requests per second; `None`: full load.
    rate: Option<f64>,
}

#[component]
pub fn CostCalculator() -> impl IntoView {
    let query = use_query_map();
    let prices = move || {
        let q = query.read();
        Prices {
            gpu: parse_or(q.get("gpu_price"), EXAMPLE_GPU_PRICE),
            cpu: parse_or(q.get("cpu_price"), EXAMPLE_CPU_PRICE),
            rate: parse_rate(q.get("rate").as_deref()),
        }
    };
    let measure = ServerAction::<MeasureThroughput>::new();
    // One memo per form, not one per read (`pending()` makes a new one each call).
    let pending = measure.pending();
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
            <label>"Expected requests per second (blank: full load) "
                <input type="number" name="rate" min="0" step="any" placeholder="full load"
                    value=move || prices().rate.map(|r| r.to_string()).unwrap_or_default()/>
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
                <button type="submit" disabled=move || pending.get()>"Measure and compare"</button>
            </ActionForm>
            {move || run_id().map(|id| view! {
                // New prices or rate for the same measurement: a page view, no new run.
                <Form method="GET" action="">
                    <input type="hidden" name="cost_run" value=id/>
                    <div class="form-grid">{price_inputs}</div>
                    <button type="submit">"Recompute with these prices and rate"</button>
                </Form>
            })}
            <p class="meta">{EXAMPLE_PRICES_NOTE}</p>
            {move || pending.get().then(|| view! {
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

/// "1 instance", "3 instances".
fn instances(n: f64) -> String {
    if n == 1.0 {
        "1 instance".into()
    } else if n < 1e9 {
        format!("{} instances", grouped(n as usize))
    } else {
        format!("{n:.2e} instances")
    }
}

/// The table's conclusion, in words.
fn verdict(gpu: Option<Fleet>, cpu: Option<Fleet>, rate: Option<f64>) -> String {
    use lab_types::DeviceKind;
    let (Some(g), Some(c)) = (gpu, cpu) else {
        return "Only one device could be measured.".to_string();
    };
    let at = match rate {
        Some(r) => format!(
            "At {} requests per second and these prices",
            describe_rate(r)
        ),
        None => "At full load and these prices".to_string(),
    };
    let idle = rate.is_some() && g.instances == 1.0 && c.instances == 1.0;
    let why = if idle {
        " Both devices need one instance and sit partly idle, so each bill is one instance's price: the cheaper instance wins."
    } else {
        ""
    };
    match cheaper(gpu, cpu) {
        Some(DeviceKind::Gpu) => format!(
            "{at} the GPU is cheaper per inference ({:.1}× less).{why}",
            c.cost_per_million / g.cost_per_million
        ),
        Some(DeviceKind::Cpu) => format!(
            "{at} the CPU is cheaper per inference ({:.1}× less).{why}",
            g.cost_per_million / c.cost_per_million
        ),
        None => format!("{at} both cost the same per inference."),
    }
}

/// A request rate as typed: thousands separators from 100 up, else up to two decimals.
fn describe_rate(r: f64) -> String {
    if r >= 100.0 {
        grouped(r.round() as usize)
    } else {
        let text = format!("{r:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[component]
fn CostTable(throughput: Throughput, prices: Prices) -> impl IntoView {
    let gpu = throughput
        .gpu_items_per_s
        .and_then(|i| fleet(prices.gpu, i, prices.rate));
    let cpu = throughput
        .cpu_items_per_s
        .and_then(|i| fleet(prices.cpu, i, prices.rate));
    let row = |device: &'static str,
               ips: Option<f64>,
               label: Option<String>,
               price: f64,
               f: Option<Fleet>| {
        let dash = || "—".to_string();
        view! {
            <tr>
                <th scope="row">{device} {label.map(|l| view! { <span class="meta">{format!(" ({l})")}</span> })}</th>
                <td class="num">{ips.map(|i| grouped(i.round() as usize)).unwrap_or_else(|| "not measured".into())}</td>
                <td class="num">{format!("${price:.2}")}</td>
                <td class="num">{f.map(|f| instances(f.instances)).unwrap_or_else(dash)}</td>
                <td class="num">{f.map(|f| format!("{:.2}%", f.utilisation * 100.0)).unwrap_or_else(dash)}</td>
                <td class="num">{f.map(|f| format!("${:.2}", f.cost_per_hour)).unwrap_or_else(dash)}</td>
                <td class="num"><strong>{f.map(|f| format!("${:.4}", f.cost_per_million)).unwrap_or_else(dash)}</strong></td>
            </tr>
        }
    };
    let load = match prices.rate {
        Some(r) => format!("at {} requests/s", describe_rate(r)),
        None => "at full load".to_string(),
    };
    view! {
        <div class="table-scroll" tabindex="0">
        <table class="data cost-table">
            <caption>{format!("Cost of serving the requests {load}: each device runs enough whole instances, paid for every hour")}</caption>
            <thead>
                <tr>
                    <th scope="col">"Device"</th>
                    <th scope="col">"Measured items/s"</th>
                    <th scope="col">"Price/hour"</th>
                    <th scope="col">"Instances"</th>
                    <th scope="col">"Utilisation"</th>
                    <th scope="col">"Cost per hour"</th>
                    <th scope="col">{format!("Cost per million {load}")}</th>
                </tr>
            </thead>
            <tbody>
                {row("GPU", throughput.gpu_items_per_s, throughput.gpu_label.clone(), prices.gpu, gpu)}
                {row("CPU", throughput.cpu_items_per_s, throughput.cpu_label.clone(), prices.cpu, cpu)}
            </tbody>
        </table>
        </div>
        <p aria-live="polite">{verdict(gpu, cpu, prices.rate)}</p>
        <p class="meta">
            {format!("Model {}, batch {}. ", throughput.model.name(), throughput.batch)}
            <a href=format!("/lab/runs/{}", throughput.run_id)>"See the full measurement"</a>
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lab_types::DeviceKind;

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
        assert_eq!(fleet(1.0, 10.0, Some(0.0)), None);
        assert_eq!(fleet(1.0, 10.0, Some(f64::INFINITY)), None);
        assert_eq!(fleet(1.0, 0.0, None), None);
        assert_eq!(parse_rate(Some(" 12.5 ")), Some(12.5));
        assert_eq!(parse_rate(Some("")), None);
        assert_eq!(parse_rate(Some("-3")), None);
        assert_eq!(parse_rate(None), None);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    /// Lesson 5's tables: a CPU instance of 150 items/s at $0.40/h, a GPU
    /// instance of 2,000 items/s at $2.50/h.
    const CPU: (f64, f64) = (0.40, 150.0);
    const GPU: (f64, f64) = (2.50, 2_000.0);

    fn both(rate: Option<f64>) -> (Fleet, Fleet) {
        (
            fleet(GPU.0, GPU.1, rate).unwrap(),
            fleet(CPU.0, CPU.1, rate).unwrap(),
        )
    }

    #[test]
    fn each_device_has_its_own_utilisation_at_one_request_rate() {
        // 1 request/s: one instance each, 1/2,000 and 1/150 busy (lesson 5).
        let (g, c) = both(Some(1.0));
        assert_eq!((g.instances, c.instances), (1.0, 1.0));
        assert!(close(g.utilisation, 1.0 / 2_000.0), "{}", g.utilisation);
        assert!(close(c.utilisation, 1.0 / 150.0), "{}", c.utilisation);
        // $2.50 / 3,600 requests × 10^6 ≈ $694; $0.40 / 3,600 × 10^6 ≈ $111.
        assert!(close(g.cost_per_million, 2.5 / 3_600.0 * 1e6));
        assert!(close(c.cost_per_million, 0.4 / 3_600.0 * 1e6));
        assert_eq!(g.cost_per_million.round(), 694.0);
        assert_eq!(c.cost_per_million.round(), 111.0);
    }

    #[test]
    fn above_capacity_whole_instances_are_paid_for() {
        // 1,000 items/s: ceil(1000 / 150) = 7 CPU instances, $2.80 an hour (lesson 5).
        let (g, c) = both(Some(1_000.0));
        assert_eq!(c.instances, 7.0);
        assert!(close(c.cost_per_hour, 2.80));
        assert!(close(c.utilisation, 1_000.0 / 1_050.0));
        assert_eq!(g.instances, 1.0);
        assert!(close(g.cost_per_hour, 2.50));
        // 5,000 items/s: 34 CPU instances ($13.60), 3 GPU instances ($7.50).
        let (g, c) = both(Some(5_000.0));
        assert_eq!((c.instances, g.instances), (34.0, 3.0));
        assert!(close(c.cost_per_hour, 13.60) && close(g.cost_per_hour, 7.50));
        // The cost per million is the hourly bill over the requests served.
        assert!(close(g.cost_per_million, 7.50 / (3_600.0 * 5_000.0) * 1e6));
    }

    #[test]
    fn full_load_is_one_busy_instance_each() {
        let (g, c) = both(None);
        assert_eq!((g.instances, g.utilisation), (1.0, 1.0));
        assert_eq!((c.instances, c.utilisation), (1.0, 1.0));
        // Lesson 5's worked example: $0.35 against $0.74 per million.
        assert_eq!((g.cost_per_million * 100.0).round(), 35.0);
        assert_eq!((c.cost_per_million * 100.0).round(), 74.0);
    }

    #[test]
    fn the_cheaper_device_flips_with_the_request_rate() {
        let winner = |rate| {
            let (g, c) = both(rate);
            cheaper(Some(g), Some(c))
        };
        // Low volume: both idle, the cheaper instance wins.
        assert_eq!(winner(Some(1.0)), Some(DeviceKind::Cpu));
        // Up to 900 items/s six CPU instances ($2.40) beat one GPU ($2.50)...
        assert_eq!(winner(Some(900.0)), Some(DeviceKind::Cpu));
        // ...above it a seventh is needed ($2.80): the GPU wins.
        assert_eq!(winner(Some(901.0)), Some(DeviceKind::Gpu));
        assert_eq!(winner(Some(5_000.0)), Some(DeviceKind::Gpu));
        assert_eq!(winner(None), Some(DeviceKind::Gpu));
        // With one utilisation shared by both devices the verdict could never move.
        let text = verdict(Some(both(Some(1.0)).0), Some(both(Some(1.0)).1), Some(1.0));
        assert!(
            text.contains("CPU is cheaper") && text.contains("one instance's price"),
            "{text}"
        );
        let text = verdict(Some(both(None).0), Some(both(None).1), None);
        assert!(
            text.starts_with("At full load") && text.contains("GPU is cheaper"),
            "{text}"
        );
    }

    #[test]
    fn rates_and_instances_read_as_written() {
        assert_eq!(describe_rate(1.0), "1");
        assert_eq!(describe_rate(0.5), "0.5");
        assert_eq!(describe_rate(1_500.0), "1,500");
        assert_eq!(instances(1.0), "1 instance");
        assert_eq!(instances(34.0), "34 instances");
    }
}
