//! The GPU's compute roof: the FMA-only WGSL kernel (`gpu::fma_probe`) run
//! `SAMPLES` times for a median and a spread. The datasheet peak, where
//! `peak` knows the card, is quoted beside it but is not the roof: no WGSL
//! kernel can beat the measured rate, while the datasheet assumes boost
//! clocks and native code.

use lab_types::Roof;

use super::{measured_roof, SAMPLES};
use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::fma_probe::measure_fma_runs;
use crate::peak::fp32_peak;

pub fn measure(ctx: &GpuContext) -> Result<Roof, EngineError> {
    let runs = measure_fma_runs(ctx, SAMPLES)?;
    let mut method = format!(
        "FMA-only WGSL kernel, median of {SAMPLES} dispatches (fma_peak.wgsl, {:.1} GFLOP \
         each, after sizing runs), timed by {}",
        runs.flops_per_run / 1e9,
        if runs.by_timestamps {
            "GPU timestamps"
        } else {
            "the host clock around submit + wait"
        }
    );
    if let Some(p) = fp32_peak(&ctx.info.name) {
        method.push_str(&format!(
            "; datasheet fp32 peak {} TFLOP/s ({})",
            p.tflops, p.basis
        ));
    }
    Ok(measured_roof(&runs.gflops, method))
}
