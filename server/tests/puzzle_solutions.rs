//! Every shipped puzzle on this machine's GPU (lavapipe where there is none):
//! its starter compiles (and is not already a solution), and its known-good
//! solution passes every size. Prints the solutions' timings
//! (`cargo test --test puzzle_solutions -- --nocapture`).

use std::path::Path;

use app::content::{Content, Puzzle};
use lab_engine::{Engine, EngineConfig};
use lab_types::{PuzzleOutcome, PuzzleTask};

fn task(p: &Puzzle, source: &str) -> PuzzleTask {
    PuzzleTask {
        reference: p.reference,
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
