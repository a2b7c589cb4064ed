//! The timing lesson's measurement: (a) submit without waiting, (b) submit and
//! wait, (c) a cold first call on a fresh device, (d) warm calls.
//!
//! It opens its own device (a second wgpu instance) so that (c) is genuinely
//! cold every time: the engine's cached device would not be.

use std::time::Instant;

use lab_types::{ColdStart, Summary, TimingParams, TimingReport};

use crate::devices;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::gpu::{GpuContext, GpuModel};
use crate::measure::INPUT_SEED;
use crate::model::fill_inputs;

impl Engine {
    /// The timing lesson's four numbers on the first visible GPU.
    pub fn timing_demo(&self, p: &TimingParams) -> Result<TimingReport, EngineError> {
        run(self, p)
    }

    /// Checks the demo's parameters, the visible GPU and its budget without
    /// running anything (so a refused demo never takes a place in the queue).
    pub fn check_timing_demo(&self, p: &TimingParams) -> Result<(), EngineError> {
        self.catalog().check_timing_demo(p)
    }
}

fn run(engine: &Engine, p: &TimingParams) -> Result<TimingReport, EngineError> {
    engine.check_timing_demo(p)?;
    let gpu = engine.visible_gpu(p.visible_devices.as_deref())?;
    let (entry, wait_limit) = (gpu.entry, gpu.wait_limit);
    let (mlp, _) = engine.model(p.model);
    // A separate instance: an adapter hands out one device, and the cached one
    // would not be cold.
    let fresh = devices::enumerate(&devices::new_instance());
    let adapter = fresh
        .get(entry.physical_index)
        .ok_or_else(|| EngineError::Gpu("the adapter disappeared between enumerations".into()))?;

    let in_w = mlp.spec.input_width();
    let mut input = vec![0.0f32; p.batch * in_w];
    fill_inputs(INPUT_SEED, 0, p.batch, in_w, &mut input);
    let mut out = vec![0.0f32; p.batch * mlp.spec.output_width()];

    // (c) cold: everything a first request pays.
    let mut ctx = GpuContext::new(adapter, wait_limit)?;
    let device_ms = ctx.device_ms;
    let (pipeline, pipeline_ms) = ctx.pipelines.get(&ctx.device, &ctx.limits, p.kernel)?;
    let mut model = GpuModel::upload(&ctx, &mlp)?;
    let t = Instant::now();
    model.ensure_capacity(&ctx, p.batch, 1)?;
    let buffers_ms = t.elapsed().as_secs_f64() * 1e3;
    let first = model.run_batch(&ctx, &pipeline, &input, p.batch, &mut out)?;
    let first_ms = (first.upload + first.compute + first.readback).as_secs_f64() * 1e3;
    let cold = ColdStart::new(
        Some(device_ms),
        pipeline_ms,
        Some(model.upload_ms),
        buffers_ms,
        first_ms,
    );

    // (d) warm calls.
    let mut warm = Vec::with_capacity(p.warm_calls);
    for _ in 0..p.warm_calls {
        let t = model.run_batch(&ctx, &pipeline, &input, p.batch, &mut out)?;
        warm.push((t.upload + t.compute + t.readback).as_secs_f64() * 1e3);
    }

    // (a) and (b): the same compute work (inputs already on the device). After
    // (a)'s submit returns, ask (without waiting) whether the work is done.
    let (mut submit_only, mut with_wait) = (Vec::new(), Vec::new());
    let mut still_running = 0;
    for _ in 0..p.warm_calls {
        let t = Instant::now();
        let cmd = model.encode_forward(&ctx, &pipeline, p.batch)?;
        ctx.queue.submit([cmd]);
        submit_only.push(t.elapsed().as_secs_f64() * 1e3);
        if !ctx.work_done_now()? {
            still_running += 1;
        }
        ctx.wait()?;

        let t = Instant::now();
        let cmd = model.encode_forward(&ctx, &pipeline, p.batch)?;
        ctx.queue.submit([cmd]);
        ctx.wait()?;
        with_wait.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let (submit_only, submit_and_wait) =
        (Summary::from_ms(&submit_only), Summary::from_ms(&with_wait));
    let (submit_only_ms, submit_and_wait_ms) = (submit_only.median_ms, submit_and_wait.median_ms);
    let warm_call = Summary::from_ms(&warm);
    // Release the demo device (it is not cached) before building the report.
    drop(model);
    drop(ctx);

    let explanation = format!(
        "queue.submit returns after {submit_only_ms:.3} ms, but the work is only done after \
         {submit_and_wait_ms:.3} ms: timing without waiting measures the enqueue, not the kernel \
         (in {still_running} of {} calls the GPU was still working when submit returned). \
         The first call took {:.1} ms (device, shader compile, weight upload) versus a warm median of {:.2} ms.",
        p.warm_calls, cold.total_ms, warm_call.median_ms
    );
    Ok(TimingReport {
        adapter: entry.name,
        software: entry.software,
        label: entry.label,
        model: p.model,
        batch: p.batch,
        kernel: p.kernel,
        submit_only_ms,
        submit_and_wait_ms,
        submit_only,
        submit_and_wait,
        still_running_after_submit: still_running,
        cold_first_call_ms: cold.total_ms,
        cold_breakdown: cold,
        warm_call,
        explanation,
    })
}
