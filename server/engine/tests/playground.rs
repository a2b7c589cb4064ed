//! The kernel playground on a real device (lavapipe here): right and wrong
//! kernels, and hostile ones (endless loops, writes out of bounds) that must
//! finish, be reported, and leave the next kernel unharmed.

mod common;

use lab_engine::playground::{MAX_INVOCATIONS, MAX_LOOP_ITERATIONS};
use lab_engine::EngineError;
use lab_types::{PuzzleOutcome, PuzzleReference, PuzzleSize, PuzzleTask};

const HEADER: &str = "struct Params { m: u32, k: u32, n: u32, relu: u32 }\n\
@group(0) @binding(0) var<storage, read> x: array<f32>;\n\
@group(0) @binding(1) var<storage, read> w: array<f32>;\n\
@group(0) @binding(2) var<storage, read> bias: array<f32>;\n\
@group(0) @binding(3) var<storage, read_write> y: array<f32>;\n\
@group(0) @binding(4) var<uniform> p: Params;\n";

/// A map puzzle small enough (8,200 elements) that the static work bound
/// admits even an endless loop there: these tests are about what the loop
/// budget does at run time.
fn map_task(body: &str) -> PuzzleTask {
    PuzzleTask {
        reference: PuzzleReference::Map,
        sizes: vec![
            PuzzleSize { m: 1, k: 1, n: 1000 },
            PuzzleSize { m: 1, k: 1, n: 8_200 },
        ],
        needs_workgroup_memory: false,
        source: format!(
            "{HEADER}@compute @workgroup_size(64)\n\
             fn main(@builtin(global_invocation_id) gid: vec3<u32>) {{\n  let i = gid.x;\n{body}\n}}\n"
        ),
    }
}

const RIGHT: &str = "  if (i < p.n) { y[i] = 2.0 * x[i] + 1.0; }";

fn run(task: &PuzzleTask) -> Result<PuzzleOutcome, EngineError> {
    common::engine().run_puzzle(task, None)
}

fn assert_correct(task: &PuzzleTask) {
    let outcome = run(task).expect("the kernel runs");
    assert!(outcome.is_correct(), "{outcome:#?}");
}

#[test]
fn playground_a_right_kernel_is_correct_and_timed() {
    if !common::gpu_available() {
        return;
    }
    match run(&map_task(RIGHT)).unwrap() {
        PuzzleOutcome::Correct {
            checks,
            timing,
            workgroup_size,
            ..
        } => {
            assert_eq!(checks.len(), 2);
            assert_eq!(workgroup_size, [64, 1, 1]);
            assert!(
                timing.rate > 0.0 && timing.summary.samples > 0,
                "{timing:?}"
            );
        }
        other => panic!("expected correct, got {other:?}"),
    }
}

#[test]
fn playground_a_wrong_kernel_reports_its_first_mismatch() {
    if !common::gpu_available() {
        return;
    }
    // Right everywhere but at index 7.
    let task = map_task("  if (i < p.n) { y[i] = select(2.0 * x[i] + 1.0, 0.5, i == 7u); }");
    match run(&task).unwrap() {
        PuzzleOutcome::Wrong { checks, .. } => {
            let m = checks[0].first_mismatch.as_ref().expect("a mismatch");
            assert_eq!(m.index, 7);
            assert_eq!(m.got, Some(0.5));
        }
        other => panic!("expected wrong, got {other:?}"),
    }
}

#[test]
fn playground_an_endless_loop_ends_and_the_next_kernel_runs() {
    if !common::gpu_available() {
        return;
    }
    let task = map_task(
        "  loop { if (i == 0xffffffffu) { break; } }\n  if (i < p.n) { y[i] = 2.0 * x[i] + 1.0; }",
    );
    let started = std::time::Instant::now();
    // The loop budget ends the loop; what follows still runs, so the output
    // is right: what matters is that it ended, quickly.
    let outcome = run(&task).expect("a bounded loop is no device failure");
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        !matches!(outcome, PuzzleOutcome::CompileError(_)),
        "{outcome:?}"
    );
    // Endless loops with stores: lavapipe's compiler itself stops each loop
    // after 65 535 turns, a real GPU's would not (only its watchdog would).
    let forever = map_task(
        "  var a = x[i];\n  loop { loop { a = a * 0.999 + 1.0; if (i < p.n) { y[i] = a; } } }",
    );
    let outcome = run(&forever).expect("an endless loop is bounded");
    assert!(
        matches!(outcome, PuzzleOutcome::Wrong { .. }),
        "{outcome:?}"
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
    assert_correct(&map_task(RIGHT));
}

#[test]
fn playground_all_loops_of_an_invocation_share_one_budget() {
    if !common::gpu_available() {
        return;
    }
    // Two loops of 20 000 turns: each is under lavapipe's own limit (about 65 535 per invocation), together
    // they pass the playground's budget, so the second stops early.
    let task = map_task(
        "  var c = 0u;\n  for (var j = 0u; j < 20000u; j++) { c += 1u; }\n  \
         for (var j = 0u; j < 20000u; j++) { c += 1u; }\n  if (i < p.n) { y[i] = f32(c); }",
    );
    match run(&task).unwrap() {
        PuzzleOutcome::Wrong { checks, .. } => {
            let m = checks[0].first_mismatch.as_ref().expect("a mismatch");
            // The first loop's exit test takes one turn of the budget too.
            assert_eq!(m.got, Some((MAX_LOOP_ITERATIONS - 1) as f32), "{m:?}");
        }
        other => panic!("expected wrong, got {other:?}"),
    }
}

#[test]
fn playground_out_of_bounds_writes_stay_inside_the_buffers() {
    if !common::gpu_available() {
        return;
    }
    // Every invocation also writes far past the end of y and reads past x.
    let task = map_task(
        "  y[i + 100000000u] = x[i + 50000000u];\n  if (i < p.n) { y[i] = 2.0 * x[i] + 1.0; }",
    );
    let outcome = run(&task).expect("bounds checks keep the device alive");
    assert!(
        !matches!(outcome, PuzzleOutcome::CompileError(_)),
        "{outcome:?}"
    );
    assert_correct(&map_task(RIGHT));
}

#[test]
fn playground_bounds_are_refused_before_the_device() {
    let huge = PuzzleTask {
        source: map_task(RIGHT)
            .source
            .replace("workgroup_size(64)", "workgroup_size(1)"),
        sizes: vec![PuzzleSize {
            m: 1,
            k: 1,
            n: 1_000_000,
        }],
        ..map_task(RIGHT)
    };
    let e = run(&huge).expect_err("1 000 000 workgroups");
    assert!(
        matches!(
            e,
            EngineError::LimitExceeded {
                field: "dispatch",
                ..
            }
        ),
        "{e}"
    );
    let wide = map_task(RIGHT)
        .source
        .replace("workgroup_size(64)", "workgroup_size(512)");
    let e = run(&PuzzleTask {
        source: wide,
        ..map_task(RIGHT)
    })
    .expect_err("512 invocations");
    assert!(
        matches!(
            e,
            EngineError::LimitExceeded {
                field: "workgroup_size",
                ..
            }
        ),
        "{e} (max {MAX_INVOCATIONS})"
    );
}

#[test]
fn playground_a_binding_that_does_not_fit_is_a_compile_error() {
    if !common::gpu_available() {
        return;
    }
    let src = map_task(RIGHT).source.replace(
        "@binding(3) var<storage, read_write> y: array<f32>",
        "@binding(7) var<storage, read_write> y: array<f32>",
    );
    let outcome = run(&PuzzleTask {
        source: src,
        ..map_task(RIGHT)
    })
    .unwrap();
    assert!(
        matches!(outcome, PuzzleOutcome::CompileError(_)),
        "{outcome:?}"
    );
    assert_correct(&map_task(RIGHT));
}

#[test]
fn playground_a_timed_out_device_is_abandoned_and_the_next_kernel_gets_a_fresh_one() {
    if !common::gpu_available() {
        return;
    }
    // A wait limit far below one launch stands in for a hung kernel.
    let engine = lab_engine::Engine::new(lab_engine::EngineConfig {
        gpu_wait_limit: std::time::Duration::from_micros(1),
        ..Default::default()
    });
    let e = engine
        .run_puzzle(&map_task(RIGHT), None)
        .expect_err("nothing finishes in 1 µs");
    assert!(matches!(e, EngineError::GpuTimeout { .. }), "{e}");
    engine.set_gpu_wait_limit(std::time::Duration::from_secs(60));
    let outcome = engine.run_puzzle(&map_task(RIGHT), None).unwrap();
    assert!(outcome.is_correct(), "{outcome:?}");
}
