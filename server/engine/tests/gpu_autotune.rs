//! Autotune on the real adapter (lavapipe in CI): its choices give the CPU
//! reference's outputs, a shape class is measured once per device and then
//! served from the cache, and the engine's switch turns it off.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::gpu_available;
use lab_engine::cpu::reference_forward;
use lab_engine::gpu::autotune::{self, ShapeClass};
use lab_engine::gpu::{GpuContext, GpuModel};
use lab_engine::{
    fill_inputs, DeviceChoice, Engine, EngineConfig, Kernel, LoopStyle, Mlp, ModelSpec, Preset,
    RunParams,
};

fn open() -> GpuContext {
    let instance = lab_engine::devices::new_instance();
    let adapters = lab_engine::devices::enumerate(&instance);
    let adapter = adapters.first().expect("gpu_available() said yes");
    GpuContext::new(adapter, Duration::from_secs(60)).expect("open the device")
}

#[test]
fn choices_match_the_reference_and_are_measured_once() {
    if !gpu_available() {
        return;
    }
    let mut ctx = open();
    if !ctx.timestamps {
        eprintln!("no timestamp queries on this adapter: autotune keeps the shape rule");
        return;
    }
    // Odd widths, two layers of one shape class (65→65 twice).
    let mlp = Arc::new(Mlp::new(
        ModelSpec {
            widths: vec![37, 65, 65, 65, 3],
        },
        21,
    ));
    let c = &mut ctx;
    let (set, _) = c
        .pipelines
        .get(&c.device, &c.limits, Kernel::Tiled)
        .expect("compile");
    let mut model = GpuModel::upload(&ctx, &mlp).expect("upload");
    let out_w = mlp.spec.output_width();
    for m in [3usize, 40] {
        model.ensure_capacity(&ctx, m, 1).expect("buffers");
        let before = set.autotune.shapes_measured();
        let roomy = Duration::from_secs(30);
        let (tuned, ms) = autotune::tune_within(&ctx, &set, &mut model, m, roomy).expect("tune");
        assert_eq!(tuned.len(), 4, "one decision per layer");
        // Three distinct classes: 37→65, 65→65 (two layers), 65→3.
        assert_eq!(set.autotune.shapes_measured() - before, 3);
        assert!(ms > 0.0);
        for t in &tuned {
            assert_eq!(t.shape, ShapeClass::of(m as u32, t.shape.k, t.shape.n));
            // Every configuration that can run the shape was timed.
            let eligible = set.configs().into_iter();
            let eligible = eligible.filter(|c| c.handles(m as u32, t.shape.k, t.shape.n));
            assert_eq!(t.timings.len(), eligible.count(), "{t:?}");
            assert_eq!(t.note, None);
            assert!(t.config.handles(m as u32, t.shape.k, t.shape.n));
            let fastest = t.timings.iter().map(|&(_, ns)| ns).fold(f64::MAX, f64::min);
            assert!(
                t.timings.contains(&(t.config, fastest)),
                "{t:?}: not the fastest timed"
            );
            assert_eq!(set.for_layer(m as u32, t.shape.k, t.shape.n).0, t.config);
        }
        // The second time nothing is measured and the decisions are the same.
        let (again, ms) = autotune::tune_within(&ctx, &set, &mut model, m, roomy).expect("tune");
        assert_eq!(set.autotune.shapes_measured() - before, 3);
        assert_eq!(ms, 0.0);
        assert_eq!(again, tuned);

        let mut x = vec![0.0; m * mlp.spec.input_width()];
        fill_inputs(9, 0, m, mlp.spec.input_width(), &mut x);
        let mut out = vec![0.0; m * out_w];
        model
            .run_one_submit(&ctx, &set, &x, m, &mut out)
            .expect("batch");
        let want = reference_forward(&mlp, &x, m);
        let scale = want.iter().fold(1.0f32, |a, v| a.max(v.abs()));
        for (i, (g, w)) in out.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-4 * scale, "b = {m} [{i}]: {g} vs {w}");
        }
    }
    // Two buckets, three classes each.
    assert_eq!(set.autotune.entries().len(), 6);

    // No budget: the warm-up is all that runs, and the shape rule decides.
    model.ensure_capacity(&ctx, 200, 1).expect("buffers");
    let (tuned, _) =
        autotune::tune_within(&ctx, &set, &mut model, 200, Duration::ZERO).expect("tune");
    for t in &tuned {
        assert!(t.timings.is_empty(), "{t:?}");
        assert!(t.note.as_deref().is_some_and(|n| n.contains("budget")));
        assert_eq!(t.config, set.rule(200, t.shape.k, t.shape.n));
    }
}

fn tiny_run() -> RunParams {
    RunParams {
        model: Preset::Tiny,
        n: 96,
        batch: 48,
        device: DeviceChoice::Gpu,
        cpu_threads: 0,
        repeats: 1,
        warmup: 1,
        kernel: Kernel::Tiled,
        visible_devices: None,
        loop_style: LoopStyle::OneSubmit,
    }
}

/// In a run, autotune's time is part of the cold start's pipeline time the
/// first time, and absent (nothing compiled, nothing measured) the second.
#[test]
fn the_engine_tunes_inside_a_run_once() {
    if !gpu_available() {
        return;
    }
    let engine = Engine::new(EngineConfig {
        autotune: Some(true),
        ..Default::default()
    });
    let first = engine.run(&tiny_run()).expect("run");
    let gpu = &first.results[0];
    assert!(gpu.cold_start.pipeline_ms.is_some());
    let index = gpu.physical_index.expect("a GPU result");
    let choices = engine.autotune_choices(index);
    if open().timestamps {
        assert_eq!(choices.len(), 2, "tiny has two layer shapes: {choices:?}");
    }
    let second = engine.run(&tiny_run()).expect("run");
    assert_eq!(second.results[0].cold_start.pipeline_ms, None);
    assert_eq!(engine.autotune_choices(index), choices);
    assert!(second.agreement.as_ref().is_none_or(|a| a.matches));
}

#[test]
fn autotune_off_measures_nothing() {
    if !gpu_available() {
        return;
    }
    let engine = Engine::new(EngineConfig {
        autotune: Some(false),
        ..Default::default()
    });
    let r = engine.run(&tiny_run()).expect("run");
    let index = r.results[0].physical_index.expect("a GPU result");
    assert!(engine.autotune_choices(index).is_empty());
    // Unset, it follows the adapter: off on a software GPU, on on hardware.
    let engine = Engine::new(EngineConfig {
        autotune: None,
        ..Default::default()
    });
    let r = engine.run(&tiny_run()).expect("run");
    let gpu = &r.results[0];
    let index = gpu.physical_index.expect("a GPU result");
    let tuned = !engine.autotune_choices(index).is_empty();
    assert_eq!(tuned, !gpu.software && open().timestamps);
}
