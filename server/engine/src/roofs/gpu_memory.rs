//! The GPU's memory roof: a STREAM triad in WGSL (`shaders/triad.wgsl`)
//! over three buffers far larger than any cache on the way: for a software
//! adapter 4× the host CPU's last-level cache (its "GPU memory" is host
//! memory), for a hardware one 256 MiB each (an H200's L2 is 50 MB), both
//! within the device's binding limits. The buffers are destroyed before
//! the probe returns.

use lab_types::Roof;

use super::{measured_roof, mib, SAMPLES, WARMUPS};
use crate::error::EngineError;
use crate::gpu::context::GpuContext;
use crate::gpu::pass_timer::PassTimer;

const THREADS_PER_GROUP: u32 = 256;
/// Bytes per array element (a vec4<f32>).
const ELEMENT: u64 = 16;
/// A hardware GPU's arrays: several times the largest L2 around (50 MB).
const HARDWARE_BYTES: u64 = 256 << 20;
/// A software adapter's arrays: 4× the host's last-level cache, within these.
const SOFTWARE_MIN_BYTES: u64 = 64 << 20;
const SOFTWARE_MAX_BYTES: u64 = 1 << 30;
const CACHE_MULTIPLE: u64 = 4;
/// A timed pass repeats the triad until it takes about this long (at most
/// `MAX_REPS` times), so a fast GPU's pass is not a few microseconds.
const TARGET_S: f64 = 0.01;
const MAX_REPS: u32 = 64;

/// The GPU memory roof and the bytes each buffer had.
pub struct GpuMemory {
    pub roof: Roof,
    pub buffer_bytes: u64,
}

/// How large each buffer is, and why, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    pub bytes: u64,
    pub why: String,
}

/// Bytes per buffer for an adapter (`software` or not) with these limits.
pub fn buffer_bytes(software: bool, cache_bytes: Option<u64>, limits: &wgpu::Limits) -> Sizing {
    let (want, why) = if software {
        match cache_bytes {
            Some(c) => (
                c.saturating_mul(CACHE_MULTIPLE)
                    .clamp(SOFTWARE_MIN_BYTES, SOFTWARE_MAX_BYTES),
                format!("4× the host's {} last-level cache", mib(c)),
            ),
            None => (
                2 * SOFTWARE_MIN_BYTES,
                "the host's last-level cache size unknown".to_string(),
            ),
        }
    } else {
        (
            HARDWARE_BYTES,
            "several times the largest GPU L2 cache".to_string(),
        )
    };
    let cap = (limits.max_storage_buffer_binding_size as u64).min(limits.max_buffer_size);
    // Whole elements; the arrays' length must also fit the shader's u32 index.
    let cap = (cap / ELEMENT * ELEMENT).min(u32::MAX as u64 * ELEMENT);
    if want <= cap {
        Sizing { bytes: want, why }
    } else {
        Sizing {
            bytes: cap,
            why: format!(
                "{why} wanted, capped by the device's {} buffer binding limit",
                mib(cap)
            ),
        }
    }
}

/// The three arrays; destroyed on drop, so their memory is returned now
/// and not whenever the device next cleans up.
struct Arrays([wgpu::Buffer; 3]);

impl Drop for Arrays {
    fn drop(&mut self) {
        for b in &self.0 {
            b.destroy();
        }
    }
}

struct Triad {
    /// Only its drop is used: the bind groups reference the buffers.
    _arrays: Arrays,
    fill: (wgpu::ComputePipeline, wgpu::BindGroup),
    triad: (wgpu::ComputePipeline, wgpu::BindGroup),
    groups: u32,
    timer: PassTimer,
}

/// Measures the triad's bandwidth on `ctx`'s device.
pub fn measure(
    ctx: &GpuContext,
    software: bool,
    cache_bytes: Option<u64>,
) -> Result<GpuMemory, EngineError> {
    let sizing = buffer_bytes(software, cache_bytes, &ctx.limits);
    if sizing.bytes < ELEMENT * THREADS_PER_GROUP as u64 {
        return Err(EngineError::Gpu(format!(
            "the device's buffer limits ({} bytes) leave no room for the triad",
            sizing.bytes
        )));
    }
    let probe = ctx.scoped("allocating the triad's buffers", || {
        Triad::new(ctx, sizing.bytes)
    })?;
    let run = |pipeline: &(wgpu::ComputePipeline, wgpu::BindGroup), reps: u32| {
        probe.timer.time(ctx, |pass| {
            pass.set_pipeline(&pipeline.0);
            pass.set_bind_group(0, &pipeline.1, &[]);
            for _ in 0..reps {
                pass.dispatch_workgroups(probe.groups, 1, 1);
            }
        })
    };
    run(&probe.fill, 1)?;
    let mut last = 0.0;
    for _ in 0..WARMUPS {
        last = run(&probe.triad, 1)?;
    }
    let reps = if last > 0.0 {
        ((TARGET_S / last).ceil() as u32).clamp(1, MAX_REPS)
    } else {
        MAX_REPS
    };
    // STREAM's count: b and c read, a written, once each per triad; the
    // cache lines of `a` read before being written (write-allocate) are not
    // counted, as STREAM does not.
    let moved = 3.0 * sizing.bytes as f64 * reps as f64;
    let mut gb_s = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let s = run(&probe.triad, reps)?;
        gb_s.push(if s > 0.0 { moved / s / 1e9 } else { 0.0 });
    }
    let method = format!(
        "STREAM triad a = b + s·c in WGSL (vec4<f32>, grid-stride), 3 buffers × {} ({}); \
         3 × {} counted per triad (STREAM's convention: write-allocate traffic not counted), \
         {reps} triad{} per pass; median of {SAMPLES} passes after {WARMUPS} warm-ups, timed by {}",
        mib(sizing.bytes),
        sizing.why,
        mib(sizing.bytes),
        if reps == 1 { "" } else { "s" },
        probe.timer.method(),
    );
    drop(probe);
    Ok(GpuMemory {
        roof: measured_roof(&gb_s, method),
        buffer_bytes: sizing.bytes,
    })
}

impl Triad {
    fn new(ctx: &GpuContext, bytes: u64) -> Triad {
        let device = &ctx.device;
        let n = (bytes / ELEMENT) as u32;
        let max_groups = ctx.limits.max_compute_workgroups_per_dimension.min(65_535);
        let groups = n.div_ceil(THREADS_PER_GROUP).clamp(1, max_groups);
        let array = |label| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            })
        };
        let arrays = Arrays([array("triad a"), array("triad b"), array("triad c")]);
        // n, grid stride, scalar, padding (a uniform is 16-byte aligned).
        let params: [u32; 4] = [n, groups * THREADS_PER_GROUP, 3.0f32.to_bits(), 0];
        let params = wgpu::util::DeviceExt::create_buffer_init(
            device,
            &wgpu::util::BufferInitDescriptor {
                label: Some("triad params"),
                contents: bytemuck::bytes_of(&params),
                usage: wgpu::BufferUsages::UNIFORM,
            },
        );
        let pipeline = |label, source: &str| {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
            let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
            let [a, b, c] = &arrays.0;
            let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &pipeline.get_bind_group_layout(0),
                entries: &[entry(0, a), entry(1, b), entry(2, c), entry(3, &params)],
            });
            (pipeline, bind_group)
        };
        let fill = pipeline("triad fill", include_str!("../gpu/shaders/triad_fill.wgsl"));
        let triad = pipeline("triad", include_str!("../gpu/shaders/triad.wgsl"));
        Triad {
            fill,
            triad,
            groups,
            timer: PassTimer::new(ctx, "triad"),
            _arrays: arrays,
        }
    }
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(binding: u32, buffer: u64) -> wgpu::Limits {
        wgpu::Limits {
            max_storage_buffer_binding_size: binding,
            max_buffer_size: buffer,
            ..wgpu::Limits::default()
        }
    }

    #[test]
    fn software_buffers_are_four_host_caches() {
        let roomy = limits(u32::MAX, 1 << 40);
        let s = buffer_bytes(true, Some(32 << 20), &roomy);
        assert_eq!(s.bytes, 128 << 20);
        assert!(s.why.contains("4× the host's 32 MiB"), "{}", s.why);
        assert_eq!(buffer_bytes(true, Some(1 << 20), &roomy).bytes, 64 << 20);
        assert_eq!(buffer_bytes(true, None, &roomy).bytes, 128 << 20);
        assert_eq!(buffer_bytes(true, Some(1 << 40), &roomy).bytes, 1 << 30);
    }

    #[test]
    fn hardware_buffers_ignore_the_host_cache_and_respect_the_limits() {
        let roomy = limits(u32::MAX, 1 << 40);
        assert_eq!(buffer_bytes(false, Some(1 << 30), &roomy).bytes, 256 << 20);
        // The binding limit caps it, rounded down to whole vec4s.
        let tight = limits((100 << 20) + 7, 1 << 40);
        let s = buffer_bytes(false, None, &tight);
        assert_eq!(s.bytes, 100 << 20);
        assert!(s.why.contains("capped"), "{}", s.why);
        // So does the buffer size limit.
        assert_eq!(
            buffer_bytes(false, None, &limits(u32::MAX, 1 << 26)).bytes,
            1 << 26
        );
    }
}
