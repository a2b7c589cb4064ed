//! Every kernel configuration (each override variant forced in turn, and the
//! shape rule's per-layer picks) × loop style on the real adapter (lavapipe
//! in CI) against the CPU triple-loop reference, on shapes that are
//! multiples of no tile: odd widths, b = 1, 3 and 1000, and batch sizes
//! changing between batches that share a slot. Invalid override values are
//! refused with an error.

mod common;

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use common::gpu_available;
use lab_engine::cpu::reference_forward;
use lab_engine::gpu::kernels::{Config, GemvShape, Tile};
use lab_engine::gpu::pipeline::KernelSet;
use lab_engine::gpu::{GpuContext, GpuModel, PIPELINE_DEPTH};
use lab_engine::{fill_inputs, EngineError, Kernel, LoopStyle, Mlp, ModelSpec};

/// What runs the layers: a kernel choice (the shape rule per layer), or one
/// configuration forced on every layer it can run.
#[derive(Debug, Clone, Copy)]
enum Kernels {
    Rule(Kernel),
    Forced(Config),
}

/// The rule's tiled and naive sets, then every other configuration forced.
fn every_set() -> Vec<Kernels> {
    let mut sets = vec![Kernels::Rule(Kernel::Tiled), Kernels::Rule(Kernel::Naive)];
    let forced = Config::ALL.into_iter().filter(|&c| c != Config::Naive);
    sets.extend(forced.map(Kernels::Forced));
    sets
}

/// The compiled set, or `None` for a configuration this adapter lacks room for.
fn kernel_set(ctx: &mut GpuContext, kernels: Kernels) -> Option<Arc<KernelSet>> {
    let c = &mut *ctx;
    match kernels {
        Kernels::Rule(k) => Some(c.pipelines.get(&c.device, &c.limits, k).expect("compile").0),
        Kernels::Forced(config) => match c.pipelines.forced(&c.device, &c.limits, config) {
            Ok(set) => Some(set),
            Err(EngineError::InvalidParam { message, .. }) => {
                eprintln!("skipped on this adapter: {message}");
                None
            }
            Err(e) => panic!("{}: {e}", config.name()),
        },
    }
}

/// One device for the whole binary (opening one on lavapipe takes a while).
fn ctx() -> &'static Mutex<GpuContext> {
    static CTX: OnceLock<Mutex<GpuContext>> = OnceLock::new();
    CTX.get_or_init(|| {
        let instance = lab_engine::devices::new_instance();
        let adapters = lab_engine::devices::enumerate(&instance);
        let adapter = adapters.first().expect("gpu_available() said yes");
        Mutex::new(GpuContext::new(adapter, Duration::from_secs(60)).expect("open the device"))
    })
}

/// Odd widths everywhere, including a 1-wide hidden layer and a width just
/// past a 64-column tile: naive, gemv and 64×64 tiles.
fn odd_mlp() -> Arc<Mlp> {
    Arc::new(Mlp::new(
        ModelSpec {
            widths: vec![37, 129, 1, 65, 3],
        },
        11,
    ))
}

/// Widths that are multiples of 4 (the vec4 kernel's condition) but of no
/// tile (nor K of its 8-deep slices), small enough to run every
/// configuration forced on it in seconds.
fn vec4_mlp() -> Arc<Mlp> {
    Arc::new(Mlp::new(
        ModelSpec {
            widths: vec![12, 260, 20, 4],
        },
        12,
    ))
}

fn inputs(mlp: &Mlp, first: usize, m: usize) -> Vec<f32> {
    let w = mlp.spec.input_width();
    let mut x = vec![0.0; m * w];
    fill_inputs(5, first, m, w, &mut x);
    x
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    let max_out = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 * max_out,
            "{what} [{i}]: {g} vs {w} (outputs up to {max_out})"
        );
    }
}

/// Runs `batches` (item counts) through one model in `style`, checking every
/// batch's outputs against the reference.
fn check(mlp: &Mlp, kernel: Kernels, style: LoopStyle, batches: &[usize]) {
    let out_w = mlp.spec.output_width();
    let mut guard = ctx().lock().unwrap_or_else(|e| e.into_inner());
    let ctx = &mut *guard;
    let Some(pipeline) = kernel_set(ctx, kernel) else {
        return;
    };
    let mut model = GpuModel::upload(ctx, mlp).expect("upload");
    let max = batches.iter().copied().max().unwrap_or(1);
    let depth = if style == LoopStyle::Pipelined {
        PIPELINE_DEPTH
    } else {
        1
    };
    model.ensure_capacity(ctx, max, depth).expect("buffers");
    let mut out = vec![0.0f32; max * out_w];
    let starts: Vec<usize> = batches
        .iter()
        .scan(0, |s, &m| {
            let first = *s;
            *s += m;
            Some(first)
        })
        .collect();
    let what = |i: usize| format!("{kernel:?} {style:?} batch {i} (b = {})", batches[i]);
    let want = |i: usize| reference_forward(mlp, &inputs(mlp, starts[i], batches[i]), batches[i]);
    match style {
        LoopStyle::Pipelined => {
            // Keep every slot busy: collect the oldest only when all are in flight.
            let mut collected = 0;
            for (i, &m) in batches.iter().enumerate() {
                if model.in_flight() == PIPELINE_DEPTH {
                    let (got_m, _) = model.collect(ctx, &mut out).expect("collect");
                    assert_eq!(got_m, batches[collected]);
                    assert_close(&out[..got_m * out_w], &want(collected), &what(collected));
                    collected += 1;
                }
                let x = inputs(mlp, starts[i], m);
                model.submit(ctx, &pipeline, &x, m).expect("submit");
            }
            while model.in_flight() > 0 {
                let (got_m, _) = model.collect(ctx, &mut out).expect("collect");
                assert_close(&out[..got_m * out_w], &want(collected), &what(collected));
                collected += 1;
            }
            assert_eq!(collected, batches.len());
        }
        _ => {
            for (i, &m) in batches.iter().enumerate() {
                let x = inputs(mlp, starts[i], m);
                let t = if style == LoopStyle::RoundTrips {
                    model.run_batch(ctx, &pipeline, &x, m, &mut out)
                } else {
                    model.run_one_submit(ctx, &pipeline, &x, m, &mut out)
                }
                .expect("batch");
                assert_eq!(t.kernel_ns.is_some(), ctx.timestamps);
                assert_close(&out[..m * out_w], &want(i), &what(i));
            }
        }
    }
}

#[test]
fn round_trips_match_the_reference() {
    if !gpu_available() {
        return;
    }
    for kernel in every_set() {
        check(&odd_mlp(), kernel, LoopStyle::RoundTrips, &[1, 3, 1000, 2]);
        check(&vec4_mlp(), kernel, LoopStyle::RoundTrips, &[1000, 3, 65]);
    }
}

#[test]
fn one_submit_matches_the_reference() {
    if !gpu_available() {
        return;
    }
    for kernel in every_set() {
        check(&odd_mlp(), kernel, LoopStyle::OneSubmit, &[1000, 1, 3, 65]);
        check(&vec4_mlp(), kernel, LoopStyle::OneSubmit, &[1, 1000, 9]);
    }
}

#[test]
fn pipelined_matches_the_reference_in_order() {
    if !gpu_available() {
        return;
    }
    // More batches than slots, sizes changing while slots are reused.
    for kernel in every_set() {
        check(
            &odd_mlp(),
            kernel,
            LoopStyle::Pipelined,
            &[1000, 3, 1, 1000, 7, 64, 3, 1],
        );
        check(
            &vec4_mlp(),
            kernel,
            LoopStyle::Pipelined,
            &[1000, 8, 1000, 999, 1],
        );
    }
}

#[test]
fn submitting_past_the_depth_is_refused() {
    if !gpu_available() {
        return;
    }
    let mlp = odd_mlp();
    let mut guard = ctx().lock().unwrap_or_else(|e| e.into_inner());
    let ctx = &mut *guard;
    let (pipeline, _) = ctx
        .pipelines
        .get(&ctx.device, &ctx.limits, Kernel::Tiled)
        .expect("compile");
    let mut model = GpuModel::upload(ctx, &mlp).expect("upload");
    model.ensure_capacity(ctx, 4, 2).expect("buffers");
    let x = inputs(&mlp, 0, 4);
    for _ in 0..2 {
        model.submit(ctx, &pipeline, &x, 4).expect("submit");
    }
    assert!(model.submit(ctx, &pipeline, &x, 4).is_err());
    let mut out = vec![0.0; 4 * mlp.spec.output_width()];
    model.collect(ctx, &mut out).expect("collect");
    model.collect(ctx, &mut out).expect("collect");
    assert!(
        model.collect(ctx, &mut out).is_err(),
        "nothing left in flight"
    );
}

/// The shapes above reach each configuration of the shape rule too (forced
/// sets check every configuration; this checks the rule's own picks).
#[test]
fn the_test_shapes_reach_every_configuration() {
    if !gpu_available() {
        return;
    }
    let mut guard = ctx().lock().unwrap_or_else(|e| e.into_inner());
    let ctx = &mut *guard;
    let (tiled, _) = ctx
        .pipelines
        .get(&ctx.device, &ctx.limits, Kernel::Tiled)
        .expect("compile");
    let (naive, _) = ctx
        .pipelines
        .get(&ctx.device, &ctx.limits, Kernel::Naive)
        .expect("compile");
    assert_eq!(naive.for_layer(1000, 37, 129).0, Config::Naive);
    assert_eq!(tiled.for_layer(3, 37, 129).0, Config::GEMV);
    assert_eq!(tiled.for_layer(1000, 37, 129).0, Config::TILED64);
    let big = tiled.for_layer(1000, 12, 2052).0;
    // The subgroup tile compiles exactly where subgroups are the 8 threads
    // of its workgroup (lavapipe's 8 SIMD lanes).
    let eights = ctx.device.features().contains(wgpu::Features::SUBGROUP)
        && ctx.limits.min_subgroup_size == 8
        && ctx.limits.max_subgroup_size == 8;
    assert_eq!(tiled.configs().contains(&Config::SUBGROUP_64X64), eights);
    assert_eq!(tiled.configs().contains(&Config::SUBGROUP_8X256), eights);
    // The plain register tile is compiled only where they are not.
    assert_eq!(tiled.configs().contains(&Config::REGISTER_32X256), !eights);
    if tiled.software {
        // A software adapter (lavapipe): a register tile wherever K and N
        // are multiples of 4, the 64×64 tiles elsewhere.
        let (register, small) = if eights {
            (Config::SUBGROUP_64X64, Config::SUBGROUP_8X256)
        } else {
            (Config::REGISTER_32X256, Config::REGISTER_32X256)
        };
        assert_eq!(tiled.for_layer(65, 12, 2052).0, register);
        assert_eq!(tiled.for_layer(3, 12, 260).0, small);
        assert_eq!(tiled.for_layer(64, 37, 129).0, Config::TILED64);
        assert_eq!(tiled.for_layer(1000, 65, 3).0, Config::TILED_32X16);
        assert_eq!(big, register);
    } else {
        // 9 ≤ b ≤ 256: the small-batch path's narrower tiles.
        assert_eq!(tiled.for_layer(65, 12, 2052).0, Config::TILED_16X64);
        assert_eq!(tiled.for_layer(64, 37, 129).0, Config::TILED_16X64);
        if ctx.limits.max_compute_workgroup_storage_size
            >= Config::Tiled128.workgroup_storage_bytes()
        {
            assert_eq!(big, Config::Tiled128);
        } else {
            eprintln!("this adapter has too little shared memory for 128×128 tiles");
            assert_eq!(big, Config::TILED64);
        }
    }
    // A forced configuration runs only the shapes it can.
    let forced = kernel_set(ctx, Kernels::Forced(Config::GEMV_64X4)).expect("compile");
    assert_eq!(forced.for_layer(8, 37, 129).0, Config::GEMV_64X4);
    assert_ne!(forced.for_layer(9, 37, 129).0, Config::GEMV_64X4);
}

/// Override values the WGSL sources cannot take, or the adapter cannot run,
/// are refused before any pipeline is made.
#[test]
fn invalid_overrides_are_refused() {
    if !gpu_available() {
        return;
    }
    let mut guard = ctx().lock().unwrap_or_else(|e| e.into_inner());
    let c = &mut *guard;
    let too_many_rows = Config::Tiled(Tile {
        wg_x: 16,
        wg_y: 16,
        rows: 9,
    });
    let too_wide = Config::Tiled(Tile {
        wg_x: c.limits.max_compute_workgroup_size_x + 1,
        wg_y: 1,
        rows: 4,
    });
    // 16 k × (4 rows + 4·wg_x columns) × 4 B of shared memory.
    let too_much_shared = Config::Tiled(Tile {
        wg_x: c.limits.max_compute_workgroup_storage_size / 256 + 1,
        wg_y: 1,
        rows: 4,
    });
    let empty = Config::Gemv(GemvShape { cols: 0, slices: 8 });
    for (config, says) in [
        (too_many_rows, "at most 8"),
        (too_wide, "exceeds the adapter"),
        (too_much_shared, "shared memory"),
        (empty, "at least 1"),
    ] {
        match c.pipelines.compile(&c.device, &c.limits, config) {
            Err(EngineError::InvalidParam { message, .. }) => {
                assert!(message.contains(says), "{config:?}: {message}")
            }
            Err(e) => panic!("{config:?}: wrong error {e}"),
            Ok(_) => panic!("{config:?} was compiled"),
        }
        assert!(c.pipelines.forced(&c.device, &c.limits, config).is_err());
    }
    c.check_errors().expect("no pipeline error reached wgpu");
}

#[test]
fn fma_probe_measures_a_finite_rate() {
    if !gpu_available() {
        return;
    }
    let guard = ctx().lock().unwrap_or_else(|e| e.into_inner());
    let peak = lab_engine::gpu::fma_probe::measure_fma_peak(&guard).expect("probe");
    assert!(
        peak.gflops.is_finite() && peak.gflops > 0.01,
        "FMA probe: {peak:?}"
    );
    assert_eq!(peak.by_timestamps, guard.timestamps);
}
