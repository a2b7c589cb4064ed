//! Every shipped puzzle on this machine's GPU (lavapipe where there is none):
//! its starter compiles (and is not already a solution), and its known-good
//! solution passes every size, with every value of every parameter the kernel
//! receives (`p.relu`). Prints the solutions' timings
//! (`cargo test --test puzzle_solutions -- --nocapture`).

use std::path::Path;

use app::content::{Content, Puzzle};
use lab_engine::{Engine, EngineConfig};
use lab_types::{PuzzleOutcome, PuzzleReference, PuzzleTask};

fn task(p: &Puzzle, source: &str) -> PuzzleTask {
    task_with(p, p.reference, source)
}

fn task_with(p: &Puzzle, reference: PuzzleReference, source: &str) -> PuzzleTask {
    PuzzleTask {
        reference,
        sizes: p.sizes.clone(),
        needs_workgroup_memory: p.needs_workgroup_memory,
        source: source.to_string(),
    }
}

#[test]
fn every_starter_compiles_and_every_solution_passes() {
    let content = Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../content"))
        .expect("the shipped content loads");
    let engine = Engine::new(EngineConfig::default());
    assert!(content.puzzles().len() >= 6);
    let gpu = !engine.devices(None).adapters.is_empty();
    for p in content.puzzles() {
        for (what, source) in [("starter", &p.starter), ("solution", &p.solution)] {
            let compiled = engine.check_puzzle(&task(p, source));
            assert!(
                matches!(compiled, Ok(None)),
                "{}'s {what} does not compile: {compiled:?}",
                p.id
            );
        }
        if !gpu {
            eprintln!("no GPU adapter: solutions not run");
            continue;
        }
        let outcome = engine.run_puzzle(&task(p, &p.solution), None).unwrap();
        match &outcome {
            PuzzleOutcome::Correct {
                adapter,
                timing,
                builtins,
                checks,
                ..
            } => {
                let size = checks
                    .last()
                    .map(|c| c.size.to_string())
                    .unwrap_or_default();
                let mut line = format!(
                    "{:<13} {size:<26} solution {:>8.3} ms (p10 {:.3}, p90 {:.3}) {:>7.2} {}",
                    p.id,
                    timing.summary.median_ms,
                    timing.summary.p10_ms,
                    timing.summary.p90_ms,
                    timing.rate,
                    timing.unit.label()
                );
                for b in builtins {
                    line += &format!(
                        "; {} {:.3} ms {:.2} {}",
                        b.name,
                        b.summary.median_ms,
                        b.rate,
                        b.unit.label()
                    );
                }
                eprintln!("{line}  [{adapter}; {}]", timing.method);
            }
            other => panic!("{}'s solution is not correct: {other:#?}", p.id),
        }
        let starter = engine.run_puzzle(&task(p, &p.starter), None).unwrap();
        assert!(
            !starter.is_correct(),
            "{}'s starter already solves it",
            p.id
        );
    }
}

/// A reference solution must honour every parameter it receives, not only the
/// values its puzzle sets: the linear + ReLU layer's solution runs with
/// `p.relu` = 1 (hidden layers) and 0 (the lab's output layer), each against
/// its CPU reference.
#[test]
fn every_solution_honours_every_parameter_value() {
    let content = Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../content"))
        .expect("the shipped content loads");
    let engine = Engine::new(EngineConfig::default());
    if engine.devices(None).adapters.is_empty() {
        eprintln!("no GPU adapter: solutions not run");
        return;
    }
    let mut runs = 0;
    for p in content.puzzles() {
        for &reference in p.reference.every_parameter_value() {
            let outcome = engine
                .run_puzzle(&task_with(p, reference, &p.solution), None)
                .unwrap();
            assert!(
                outcome.is_correct(),
                "{}'s solution with {reference:?} (p.relu = {}): {outcome:#?}",
                p.id,
                reference.relu()
            );
            runs += 1;
        }
    }
    let relu = content
        .puzzles()
        .iter()
        .find(|p| p.reference == PuzzleReference::LinearRelu)
        .expect("the linear + ReLU puzzle");
    assert_eq!(relu.reference.every_parameter_value().len(), 2);
    assert!(runs > content.puzzles().len(), "{runs} runs");
}

/// The check has teeth: the linear + ReLU solution as it was before issue 25
/// (ReLU applied whatever `p.relu` says) fails with `p.relu` = 0.
#[test]
fn a_solution_that_ignores_relu_fails_with_relu_0() {
    let content = Content::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../content"))
        .expect("the shipped content loads");
    let engine = Engine::new(EngineConfig::default());
    if engine.devices(None).adapters.is_empty() {
        eprintln!("no GPU adapter: not run");
        return;
    }
    let p = content
        .puzzles()
        .iter()
        .find(|p| p.reference == PuzzleReference::LinearRelu)
        .expect("the linear + ReLU puzzle");
    let always_relu = p
        .solution
        .replace("select(v, max(v, 0.0), p.relu != 0u)", "max(v, 0.0)");
    assert_ne!(always_relu, p.solution, "the solution's store changed");
    let hidden = engine
        .run_puzzle(
            &task_with(p, PuzzleReference::LinearRelu, &always_relu),
            None,
        )
        .unwrap();
    assert!(hidden.is_correct(), "{hidden:#?}");
    let output = engine
        .run_puzzle(&task_with(p, PuzzleReference::Linear, &always_relu), None)
        .unwrap();
    assert!(matches!(output, PuzzleOutcome::Wrong { .. }), "{output:#?}");
}
