//! Every bound refuses with a message naming the field and the limit.

mod common;

use lab_engine::{
    batch_counts, DeviceChoice, Engine, EngineConfig, EngineError, Kernel, Preset, RunParams,
};
use lab_types::LabError;

/// The HTTP status a client gets for an engine error.
fn status(e: &EngineError) -> u16 {
    LabError::from(e.clone()).status().as_u16()
}

fn refuse(p: RunParams) -> (EngineError, String) {
    // Refusals happen before any device is touched, so no GPU is needed.
    let engine = Engine::new(EngineConfig {
        visible_devices: Some(String::new()),
        ..Default::default()
    });
    let e = engine.run(&p).expect_err("should be refused");
    let msg = e.to_string();
    assert!(
        LabError::from(e.clone()).status().is_client_error(),
        "{msg}"
    );
    (e, msg)
}

fn cpu(p: RunParams) -> RunParams {
    RunParams {
        device: DeviceChoice::Cpu,
        ..p
    }
}

#[test]
fn n_limits() {
    let (e, msg) = refuse(cpu(RunParams {
        n: 5_000_000,
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("n"));
    assert_eq!(msg, "n = 5000000 exceeds the limit of 1000000 by 4000000");
    assert_eq!(status(&e), 422);
    let (e, msg) = refuse(cpu(RunParams {
        n: 0,
        ..Default::default()
    }));
    assert_eq!((e.field(), status(&e)), (Some("n"), 400));
    assert!(msg.contains("minimum of 1"), "{msg}");
}

#[test]
fn batch_limits() {
    let (e, msg) = refuse(cpu(RunParams {
        batch: 2048,
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("batch"));
    assert!(
        msg.contains("batch = 2048 exceeds the limit of 1024 by 1024"),
        "{msg}"
    );
    let (e, _) = refuse(cpu(RunParams {
        batch: 0,
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("batch"));
}

#[test]
fn repeats_warmup_threads_limits() {
    let (e, msg) = refuse(cpu(RunParams {
        repeats: 21,
        ..Default::default()
    }));
    assert_eq!(
        (e.field(), msg.as_str()),
        (Some("repeats"), "repeats = 21 exceeds the limit of 20 by 1")
    );
    let (e, _) = refuse(cpu(RunParams {
        repeats: 0,
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("repeats"));
    let (e, msg) = refuse(cpu(RunParams {
        warmup: 6,
        ..Default::default()
    }));
    assert_eq!(
        (e.field(), msg.as_str()),
        (Some("warmup"), "warmup = 6 exceeds the limit of 5 by 1")
    );
    let (e, _) = refuse(cpu(RunParams {
        warmup: 0,
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("warmup"));
    let (e, msg) = refuse(cpu(RunParams {
        cpu_threads: 10_000,
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("cpu_threads"));
    assert!(
        msg.starts_with("cpu_threads = 10000 exceeds the limit of "),
        "{msg}"
    );
}

#[test]
fn flop_budget_names_the_budget_and_ratio() {
    let (e, msg) = refuse(cpu(RunParams {
        model: Preset::Large,
        n: 100_000,
        repeats: 20,
        batch: 1024,
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("n"));
    assert!(
        msg.starts_with("n × (warmup + repeats) × FLOPs/item = 100000 × 21 × "),
        "{msg}"
    );
    assert!(
        msg.contains("exceeds the per-request CPU budget of"),
        "{msg}"
    );
    assert!(msg.contains("×)"), "{msg}");
    // The GPU budget is smaller (software adapters are slow) and per kernel.
    let (_, msg) = refuse(RunParams {
        model: Preset::Large,
        n: 10_000,
        batch: 1024,
        device: DeviceChoice::Gpu,
        ..Default::default()
    });
    assert!(
        msg.contains("GPU budget") && msg.contains("tiled kernel"),
        "{msg}"
    );
    let (_, msg) = refuse(RunParams {
        model: Preset::Medium,
        n: 20_000,
        batch: 1024,
        device: DeviceChoice::Gpu,
        kernel: Kernel::Naive,
        ..Default::default()
    });
    assert!(msg.contains("naive kernel"), "{msg}");
}

#[test]
fn batch_count_budget() {
    let (e, msg) = refuse(RunParams {
        model: Preset::Tiny,
        n: 1_000_000,
        batch: 1,
        device: DeviceChoice::Gpu,
        ..Default::default()
    });
    assert_eq!(e.field(), Some("batch"));
    assert!(
        msg.contains("ceil(n / batch) × (warmup + repeats) = 1000000 × 6"),
        "{msg}"
    );
}

#[test]
fn activation_memory_budget() {
    // A tighter custom budget shows the memory check (the defaults admit
    // every preset at batch 1024).
    let limits = lab_engine::Limits {
        max_activation_bytes: 1 << 20,
        ..Default::default()
    };
    let engine = Engine::new(EngineConfig {
        visible_devices: None,
        limits,
        ..Default::default()
    });
    let e = engine
        .run(&cpu(RunParams {
            model: Preset::Large,
            n: 1024,
            batch: 1024,
            ..Default::default()
        }))
        .expect_err("over the memory budget");
    assert_eq!(e.field(), Some("batch"));
    assert!(
        e.to_string().contains("activation memory budget of 1 MiB"),
        "{e}"
    );
}

#[test]
fn no_visible_gpu_is_a_clear_client_error_and_cpu_still_works() {
    let engine = Engine::new(EngineConfig {
        visible_devices: Some(String::new()),
        ..Default::default()
    });
    let tiny = RunParams {
        model: Preset::Tiny,
        n: 16,
        batch: 8,
        repeats: 1,
        ..Default::default()
    };
    let e = engine
        .run(&RunParams {
            device: DeviceChoice::Gpu,
            ..tiny.clone()
        })
        .expect_err("hidden");
    assert!(matches!(e, EngineError::NoGpuVisible(_)));
    let msg = e.to_string();
    assert!(
        msg == "no GPU is visible: LAB_VISIBLE_DEVICES='' hides every GPU"
            || msg.starts_with("no GPU adapter found"),
        "{msg}"
    );
    // The per-request override "-1" also hides everything.
    let e = engine
        .run(&RunParams {
            device: DeviceChoice::Gpu,
            visible_devices: Some("-1".into()),
            ..tiny.clone()
        })
        .expect_err("hidden");
    assert!(matches!(e, EngineError::NoGpuVisible(_)), "{e}");
    let r = engine
        .run(&RunParams {
            device: DeviceChoice::Cpu,
            ..tiny
        })
        .expect("CPU still works");
    assert_eq!(r.results.len(), 1);
}

#[test]
fn batch_counting() {
    assert_eq!(batch_counts(4096, 64), (64, 64));
    assert_eq!(batch_counts(1000, 64), (16, 40));
    assert_eq!(batch_counts(5, 1024), (1, 5));
    let engine = Engine::new(EngineConfig::default());
    let r = engine
        .run(&cpu(RunParams {
            model: Preset::Tiny,
            n: 100,
            batch: 64,
            repeats: 1,
            ..Default::default()
        }))
        .expect("run");
    assert_eq!((r.batches, r.last_batch), (2, 36));
}

#[test]
fn params_deserialize_with_defaults_and_reject_unknown_fields() {
    let p: RunParams =
        serde_json::from_str(r#"{"model":"tiny","n":10,"device":"cpu"}"#).expect("json");
    assert_eq!(
        (p.model, p.n, p.batch, p.kernel),
        (Preset::Tiny, 10, 64, Kernel::Tiled)
    );
    assert!(serde_json::from_str::<RunParams>(r#"{"model":"huge"}"#).is_err());
    assert!(serde_json::from_str::<RunParams>(r#"{"bogus":1}"#).is_err());
}

#[test]
fn a_visibility_string_over_200_characters_is_refused_before_anything_runs() {
    let long = "0,".repeat(101);
    let (e, msg) = refuse(cpu(RunParams {
        visible_devices: Some(long.clone()),
        ..Default::default()
    }));
    assert_eq!(e.field(), Some("visible_devices"));
    assert!(msg.contains("at most 200"), "{msg}");
    let demo = Engine::new(EngineConfig::default())
        .timing_demo(&lab_types::TimingParams {
            visible_devices: Some(long),
            ..Default::default()
        })
        .expect_err("refused");
    assert_eq!(demo.field(), Some("visible_devices"));
}

#[test]
fn a_sweeps_budget_is_the_total_over_its_points() {
    let engine = Engine::new(EngineConfig {
        visible_devices: Some(String::new()),
        ..Default::default()
    });
    // Each point alone fits the CPU budget (1 TFLOP); eleven of them do not.
    let point = cpu(RunParams {
        model: Preset::Large,
        n: 3_000,
        batch: 256,
        warmup: 1,
        repeats: 5,
        ..Default::default()
    });
    engine.check(&point).expect("one point fits");
    let points = vec![point; 11];
    let e = engine.check_all(&points).expect_err("the total is over");
    assert_eq!(status(&e), 422);
    assert!(e.to_string().contains("11 points together"), "{e}");
    engine.check_all(&points[..1]).expect("one point is a run");
}

#[test]
fn the_timing_demo_is_checked_against_the_gpu_budget_like_a_run() {
    let limits = lab_engine::Limits::default();
    // large at batch 1024: 16 calls × 1024 × 50.3 MFLOP ≈ 824 GFLOP, 8× the budget.
    let e = limits
        .check_demo(&lab_types::TimingParams {
            model: Preset::Large,
            batch: 1024,
            ..Default::default()
        })
        .expect_err("over the GPU budget");
    assert_eq!(e.field(), Some("batch"));
    assert!(e.to_string().contains("GPU budget"), "{e}");
    limits
        .check_demo(&lab_types::TimingParams::default())
        .expect("the lesson's default fits");
}

#[test]
fn hardware_gpus_get_larger_budgets_than_software_ones() {
    let base = lab_engine::Limits::default();
    assert_eq!(base.for_adapter("Cpu", true), base);
    assert_eq!(base.for_adapter("DiscreteGpu", true), base);
    let discrete = base.for_adapter("DiscreteGpu", false);
    assert!(discrete.max_gpu_flops >= 100.0 * base.max_gpu_flops);
    // `large` at n = 50 000, 1 + 5 passes, fits a discrete GPU's budget only.
    let big = RunParams {
        model: Preset::Large,
        n: 50_000,
        batch: 1024,
        device: DeviceChoice::Gpu,
        ..Default::default()
    };
    assert!(base.check(&big, 2).is_err());
    discrete.check(&big, 2).expect("a real GPU may run it");
    assert_eq!(discrete.max_cpu_flops, base.max_cpu_flops);
}

#[test]
fn a_gpu_sweep_over_budget_names_the_budget_it_is_over() {
    let limits = lab_engine::Limits::default();
    let point = RunParams {
        model: Preset::Medium,
        n: 1024,
        batch: 64,
        warmup: 1,
        repeats: 5,
        device: DeviceChoice::Gpu,
        ..Default::default()
    };
    let plan = limits.check(&point, 2).expect("one point fits");
    let runs = vec![(point, plan); 40];
    let e = limits
        .check_total(&runs)
        .expect_err("forty points are over");
    // The budget in the message is the GPU's, in FLOPs (it once read "0.00 MFLOP").
    let budget = lab_engine::limits::fmt_flops(limits.max_gpu_flops);
    assert!(
        e.to_string().contains(&format!("budget of {budget} (")),
        "{e}"
    );
}
