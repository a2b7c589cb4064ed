// Fills the triad's inputs with non-zero values before it is timed: zeros
// (what a fresh buffer holds) could be compressed by hardware that
// compresses compute data, and the bandwidth would then read too high.

struct Params {
    n: u32,
    stride: u32,
    scalar: f32,
    pad: u32,
}

@group(0) @binding(0) var<storage, read_write> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    for (var i = gid.x; i < p.n; i = i + p.stride) {
        let x = f32(i % 4093u) * 1e-3;
        a[i] = vec4<f32>(0.5);
        b[i] = vec4<f32>(1.0 + x, 2.0 + x, 3.0 + x, 4.0 + x);
        c[i] = vec4<f32>(2.0 - x, 1.0 - x, 0.5 + x, 0.25 + x);
    }
}
