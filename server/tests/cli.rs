//! The `inference-lab bench` command: the engine from the command line.

use std::process::Command;

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_inference-lab"))
        .arg("bench")
        .args(args)
        .output()
        .expect("run inference-lab bench")
}

#[test]
fn bench_both_prints_phases_and_agreement() {
    let out = bench(&[
        "--device",
        "both",
        "--model",
        "tiny",
        "--n",
        "300",
        "--batch",
        "64",
        "--repeats",
        "2",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success()
        && stderr.contains("no GPU adapter")
        && !lab_engine::testing::gpu_present_or_skip(0)
    {
        return;
    }
    assert!(out.status.success(), "bench failed: {stderr}");
    for expected in [
        "upload",
        "compute",
        "readback",
        "items/s",
        "GFLOP/s",
        "outputs match",
    ] {
        assert!(
            stdout.contains(expected),
            "missing '{expected}' in:\n{stdout}"
        );
    }
}

#[test]
fn bench_json_is_machine_readable() {
    let out = bench(&[
        "--device",
        "cpu",
        "--model",
        "tiny",
        "--n",
        "100",
        "--batch",
        "7",
        "--repeats",
        "1",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(report["batches"], 15, "ceil(100 / 7) batches");
    assert_eq!(report["last_batch"], 2);
    assert!(report["results"][0]["items_per_s"].as_f64().unwrap() > 0.0);
}

#[test]
fn bench_refuses_out_of_range_sizes_with_a_message() {
    let out = bench(&[
        "--device",
        "cpu",
        "--model",
        "tiny",
        "--n",
        "999999999",
        "--batch",
        "64",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("n") && stderr.contains("limit"), "{stderr}");
}
