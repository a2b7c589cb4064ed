//! How `inference-lab bench` prints a report for a person (`--json` prints the
//! report itself, the same JSON the HTTP API answers).

use std::fmt::Write as _;

use lab_engine::limits::fmt_flops;
use lab_types::{DeviceResult, RunReport};

/// Human-readable rendering of a report.
pub fn format_report(r: &RunReport) -> String {
    let mut s = String::new();
    let widths: Vec<String> = r.model.widths.iter().map(|w| w.to_string()).collect();
    let _ = writeln!(
        s,
        "model {} ({}; {:.2} M parameters; {}/item)",
        r.model.preset.name(),
        widths.join("-"),
        r.model.parameters as f64 / 1e6,
        fmt_flops(r.model.flops_per_item)
    );
    let _ = writeln!(
        s,
        "n = {} items in {} batches of {} (last batch {}); {} warm-up + {} timed passes",
        r.n, r.batches, r.batch, r.last_batch, r.params.warmup, r.params.repeats
    );
    for d in &r.results {
        let _ = writeln!(s);
        format_device(&mut s, d);
    }
    if let Some(a) = &r.agreement {
        let _ = writeln!(s);
        let scope = if a.all_items {
            format!("all {} items", a.items_compared)
        } else {
            format!("first {} of {} items", a.items_compared, r.n)
        };
        let _ = writeln!(
            s,
            "agreement ({scope}): max |GPU - CPU| = {:.2e} (outputs up to {:.2}), same argmax {:.2}% -> {}",
            a.max_abs_error,
            a.max_abs_output,
            a.argmax_agreement * 100.0,
            if a.matches { "outputs match" } else { "OUTPUTS DIFFER" }
        );
    }
    for note in &r.notes {
        let _ = writeln!(s, "note: {note}");
    }
    s
}

fn opt_ms(label: &str, v: Option<f64>) -> String {
    match v {
        Some(ms) => format!("{label} {ms:.1}"),
        None => format!("{label} cached"),
    }
}

fn format_device(s: &mut String, d: &DeviceResult) {
    match (&d.backend, d.visible_index) {
        (Some(backend), vis) => {
            let idx = vis
                .map(|v| format!("GPU {v}"))
                .unwrap_or_else(|| "GPU".into());
            let _ = writeln!(s, "{idx}: {} [{backend}] - {}", d.name, d.label);
        }
        _ => {
            let _ = writeln!(s, "{} - {}", d.name, d.label);
        }
    }
    if let Some(k) = d.kernel {
        let _ = writeln!(s, "  kernel       {}", k.name());
    }
    let c = &d.cold_start;
    let _ = writeln!(
        s,
        "  cold start   {:.1} ms ({}, {}, {}, buffers {:.1}, first batch {:.1})",
        c.total_ms,
        opt_ms("device", c.device_ms),
        opt_ms("compile", c.pipeline_ms),
        opt_ms("weights", c.weights_ms),
        c.buffers_ms,
        c.first_batch_ms
    );
    let w = &d.wall;
    let _ = writeln!(
        s,
        "  per pass     {:.2} ms median [p10 {:.2} - p90 {:.2}], min {:.2}, max {:.2} ({} repeats)",
        w.median_ms, w.p10_ms, w.p90_ms, w.min_ms, w.max_ms, w.samples
    );
    let total = w.median_ms.max(1e-12);
    let p = &d.phases;
    let pct = |v: f64| 100.0 * v / total;
    let _ = writeln!(
        s,
        "  phases       upload {:.2} ms ({:.0}%) | compute {:.2} ms ({:.0}%) | readback {:.2} ms ({:.0}%)",
        p.upload.median_ms,
        pct(p.upload.median_ms),
        p.compute.median_ms,
        pct(p.compute.median_ms),
        p.readback.median_ms,
        pct(p.readback.median_ms)
    );
    if let Some(k) = &p.kernel {
        let _ = writeln!(
            s,
            "  kernel time  {:.2} ms by GPU timestamps ({:.1} GFLOP/s inside the kernels)",
            k.median_ms,
            d.kernel_gflops.unwrap_or(0.0)
        );
    }
    let _ = writeln!(
        s,
        "  throughput   {:.0} items/s, {:.1} GFLOP/s",
        d.items_per_s, d.gflops
    );
    let _ = writeln!(s, "  timing       {}", d.timing_method);
}
