//! A GPU that stops answering: the wait gives up, the job fails with a clear
//! message, the device is dropped and the next job opens a fresh one.

mod common;

use std::time::Duration;

use lab_engine::{DeviceChoice, Engine, EngineConfig, EngineError, Preset, RunParams};
use lab_types::LabError;

#[test]
fn a_timed_out_wait_fails_the_job_and_the_next_job_gets_a_fresh_device() {
    if !common::gpu_available() {
        return;
    }
    // A wait limit far below one batch's time stands in for a wedged driver.
    let engine = Engine::new(EngineConfig {
        gpu_wait_limit: Duration::from_micros(1),
        ..Default::default()
    });
    let p = RunParams {
        model: Preset::Medium,
        n: 512,
        batch: 256,
        device: DeviceChoice::Gpu,
        warmup: 1,
        repeats: 1,
        ..Default::default()
    };
    let e = engine.run(&p).expect_err("the GPU cannot finish in 1 µs");
    assert!(matches!(e, EngineError::GpuTimeout { .. }), "{e}");
    let client = LabError::from(e);
    assert_eq!(client.status().as_u16(), 503);
    assert!(client.to_string().contains("did not answer"), "{client}");

    // A sane limit again: the next job runs, on a newly opened device.
    engine.set_gpu_wait_limit(Duration::from_secs(60));
    let report = engine.run(&p).expect("later jobs run");
    let gpu = &report.results[0];
    assert!(
        gpu.cold_start.device_ms.is_some(),
        "the abandoned device was not reused: {:?}",
        gpu.cold_start
    );
}
