//! GPU (wgpu, real adapter — lavapipe in CI) against the CPU backends.

mod common;

use common::{engine, gpu_available};
use lab_engine::{DeviceChoice, InferParams, Kernel, LoopStyle, Preset, RunParams};

/// Same tolerance the engine's own agreement check uses.
fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let max_out = a.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1.0);
    let max_err = a
        .iter()
        .zip(b)
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        max_err <= 1e-3 * max_out,
        "{what}: max abs error {max_err} (outputs up to {max_out})"
    );
}

fn infer(
    model: Preset,
    device: DeviceChoice,
    kernel: Kernel,
    first_item: usize,
    count: usize,
) -> Vec<f32> {
    let p = InferParams {
        model,
        device,
        kernel,
        first_item,
        count,
        ..Default::default()
    };
    engine()
        .infer(&p)
        .unwrap_or_else(|e| panic!("{model:?} {device:?} {kernel:?} b={count}: {e}"))
}

/// Full measured runs (device = both) at batch sizes including 1 and sizes
/// that are not multiples of the 64×64 tile; the engine compares outputs.
fn run_both(model: Preset, n: usize, batch: usize, kernel: Kernel) {
    run_styled(model, n, batch, kernel, LoopStyle::RoundTrips);
}

/// [`run_both`] in a given loop style; checks what each style reports.
fn run_styled(model: Preset, n: usize, batch: usize, kernel: Kernel, loop_style: LoopStyle) {
    let p = RunParams {
        model,
        n,
        batch,
        kernel,
        loop_style,
        device: DeviceChoice::Both,
        repeats: 1,
        warmup: 1,
        ..Default::default()
    };
    let r = engine()
        .run(&p)
        .unwrap_or_else(|e| panic!("{model:?} n={n} b={batch}: {e}"));
    let a = r.agreement.expect("both devices ran");
    assert!(a.matches, "{model:?} n={n} b={batch} {kernel:?}: {a:?}");
    assert_eq!(a.argmax_agreement, 1.0, "{model:?} n={n} b={batch}: {a:?}");
    assert_eq!(a.items_compared, n.min(lab_engine::AGREEMENT_ITEMS));
    assert_eq!(r.batches, n.div_ceil(batch));
    let gpu = &r.results[0];
    assert!(gpu.wall.samples == 1 && gpu.items_per_s > 0.0);
    assert!(gpu.timing_method.starts_with(loop_style.name()));
    if loop_style != LoopStyle::RoundTrips {
        assert_eq!(
            gpu.phases.upload.median_ms, 0.0,
            "one round trip: no upload phase"
        );
        assert!(gpu.phases.compute.median_ms > 0.0);
    }
}

#[test]
fn one_submit_and_pipelined_runs_match_cpu() {
    if !gpu_available() {
        return;
    }
    // Many batches with a partial last one: the pipelined loop reuses its
    // slots and must keep the outputs in order.
    for style in [LoopStyle::OneSubmit, LoopStyle::Pipelined] {
        run_styled(Preset::Tiny, 130, 7, Kernel::Tiled, style);
        run_styled(Preset::Tiny, 50, 17, Kernel::Naive, style);
        run_styled(Preset::Medium, 70, 13, Kernel::Tiled, style);
        run_styled(Preset::Medium, 1, 1, Kernel::Tiled, style);
    }
}

#[test]
fn tiny_gpu_matches_cpu() {
    if !gpu_available() {
        return;
    }
    for batch in [1, 7, 64, 100] {
        run_both(Preset::Tiny, 130, batch, Kernel::Tiled);
    }
}

#[test]
fn medium_gpu_matches_cpu() {
    if !gpu_available() {
        return;
    }
    for (n, batch) in [(9, 1), (70, 13), (130, 65), (64, 64)] {
        run_both(Preset::Medium, n, batch, Kernel::Tiled);
    }
}

#[test]
fn large_gpu_matches_cpu() {
    if !gpu_available() {
        return;
    }
    for (n, batch) in [(2, 1), (11, 5), (33, 33)] {
        run_both(Preset::Large, n, batch, Kernel::Tiled);
    }
}

#[test]
fn naive_kernel_runs_through_the_engine() {
    if !gpu_available() {
        return;
    }
    run_both(Preset::Tiny, 50, 17, Kernel::Naive);
    run_both(Preset::Medium, 5, 1, Kernel::Naive);
}

#[test]
fn tiled_matches_naive() {
    if !gpu_available() {
        return;
    }
    for (model, count) in [
        (Preset::Tiny, 1),
        (Preset::Tiny, 99),
        (Preset::Medium, 3),
        (Preset::Medium, 70),
        (Preset::Large, 5),
    ] {
        let tiled = infer(model, DeviceChoice::Gpu, Kernel::Tiled, 10, count);
        let naive = infer(model, DeviceChoice::Gpu, Kernel::Naive, 10, count);
        assert_close(
            &tiled,
            &naive,
            &format!("{model:?} tiled vs naive, b={count}"),
        );
    }
}

#[test]
fn gpu_outputs_do_not_depend_on_batching() {
    if !gpu_available() {
        return;
    }
    // Items 5..8 alone must equal the same items inside a larger batch: the
    // partial-tile bounds checks may not leak neighbouring rows.
    let whole = infer(Preset::Medium, DeviceChoice::Gpu, Kernel::Tiled, 0, 20);
    let part = infer(Preset::Medium, DeviceChoice::Gpu, Kernel::Tiled, 5, 3);
    assert_close(&whole[5 * 10..8 * 10], &part, "medium rows 5..8");
}

#[test]
fn timing_demo_reports_four_numbers() {
    if !gpu_available() {
        return;
    }
    let p = lab_engine::TimingParams {
        model: Preset::Tiny,
        batch: 33,
        warm_calls: 2,
        ..Default::default()
    };
    let r = engine().timing_demo(&p).expect("timing demo");
    assert!(r.submit_and_wait_ms > 0.0);
    assert!(r.cold_first_call_ms > 0.0 && r.warm_call.samples == 2);
    assert!(r.cold_breakdown.device_ms.is_some() && r.cold_breakdown.pipeline_ms.is_some());
}

/// The lesson's claim: on a workload big enough, `queue.submit` returns before
/// the GPU has finished, so timing it alone measures the enqueue.
#[test]
fn submit_returns_before_the_work_is_done() {
    if !gpu_available() {
        return;
    }
    let p = lab_engine::TimingParams {
        // A quarter of a second of lavapipe work per pass is plenty to still
        // be running when submit returns (b = 1024 × 3 calls cost minutes
        // of CI time on 2 cores).
        model: Preset::Medium,
        batch: 256,
        warm_calls: 2,
        ..Default::default()
    };
    let r = engine().timing_demo(&p).expect("timing demo");
    assert!(
        r.still_running_after_submit > 0,
        "the GPU had already finished when every submit returned: {r:?}"
    );
}

#[test]
fn software_adapter_is_labelled() {
    if !gpu_available() {
        return;
    }
    let r = engine()
        .run(&RunParams {
            model: Preset::Tiny,
            n: 8,
            batch: 8,
            device: DeviceChoice::Gpu,
            repeats: 1,
            ..Default::default()
        })
        .expect("run");
    let gpu = &r.results[0];
    if gpu.software {
        assert!(
            gpu.label.contains(lab_engine::SOFTWARE_LABEL),
            "{}",
            gpu.label
        );
        assert!(r.notes.iter().any(|n| n.contains("software GPU emulation")));
    }
    assert!(r.agreement.is_none());
    assert!(!gpu.timing_method.is_empty());
}
