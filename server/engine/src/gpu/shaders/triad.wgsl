// STREAM triad a = b + s·c over vec4<f32>: one 16-byte load from each of
// b and c and one 16-byte store per element, no reuse, so the pass runs at
// the memory's streaming bandwidth. Grid-stride: a grid smaller than the
// arrays (the dispatch limit) still covers them.

struct Params {
    n: u32,
    stride: u32,
    scalar: f32,
    pad: u32,
}

@group(0) @binding(0) var<storage, read_write> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    for (var i = gid.x; i < p.n; i = i + p.stride) {
        a[i] = b[i] + p.scalar * c[i];
    }
}
