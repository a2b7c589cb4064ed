//! The gemm CPU path against a plain triple loop.

mod common;

use lab_engine::cpu::{reference_forward, CpuRunner};
use lab_engine::{fill_inputs, Mlp, ModelSpec, Preset};
use std::sync::Arc;

fn check(spec: ModelSpec, batches: &[usize], threads: usize) {
    let mlp = Arc::new(Mlp::new(spec.clone(), 7));
    let max = *batches.iter().max().unwrap_or(&1);
    let mut runner = CpuRunner::new(mlp.clone(), threads, max);
    for &m in batches {
        let mut input = vec![0.0; m * spec.input_width()];
        fill_inputs(3, 100, m, spec.input_width(), &mut input);
        let want = reference_forward(&mlp, &input, m);
        let got = runner.forward(&input, m).expect("forward").to_vec();
        assert_eq!(got.len(), want.len());
        let max_out = want.iter().fold(1.0f32, |a, v| a.max(v.abs()));
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-4 * max_out,
                "{:?} b={m} t={threads} [{i}]: {g} vs {w}",
                spec.widths
            );
        }
    }
}

#[test]
fn gemm_matches_triple_loop_on_tiny() {
    // Reusing one runner across batch sizes also checks buffer reuse.
    check(ModelSpec::of(Preset::Tiny), &[1, 5, 64, 3], 1);
    check(ModelSpec::of(Preset::Tiny), &[1, 33], 2);
}

#[test]
fn gemm_matches_triple_loop_on_odd_shapes() {
    check(
        ModelSpec {
            widths: vec![3, 17, 1],
        },
        &[1, 2, 9],
        1,
    );
    check(
        ModelSpec {
            widths: vec![130, 67, 65, 5],
        },
        &[1, 31, 70],
        2,
    );
}

/// Shapes big enough that `cpu::split` really hands out several blocks:
/// column strips (one ragged), and rows split for the narrow last layers.
#[test]
fn split_blocks_match_triple_loop() {
    let spec = ModelSpec {
        widths: vec![100, 700, 37, 10],
    };
    for threads in [2, 3, 4] {
        check(spec.clone(), &[1, 3, 1000], threads);
    }
}

#[test]
fn gemm_matches_triple_loop_on_medium() {
    check(ModelSpec::of(Preset::Medium), &[1, 6], 2);
}

#[test]
fn runner_refuses_oversized_batches() {
    let mlp = Arc::new(Mlp::preset(Preset::Tiny, 1));
    let mut runner = CpuRunner::new(mlp, 1, 4);
    let input = vec![0.0; 5 * 64];
    assert!(runner.forward(&input, 5).is_err());
}

/// The panel layout (ragged last panels, exact ones) and gemm calls chunked
/// by `ROW_CHUNK` items: batches on either side of a chunk boundary.
#[test]
fn panels_and_row_chunks_match_triple_loop() {
    use lab_engine::cpu::ROW_CHUNK;
    let spec = ModelSpec {
        widths: vec![33, 48, 16, 7],
    };
    let c = ROW_CHUNK;
    for threads in [1, 2] {
        check(spec.clone(), &[1, 3, c - 1, c, c + 1, 2 * c + 88], threads);
    }
}
