// Naive dense layer: one thread per output, y = act(x · W + b).
// Every multiply reads both operands from global (storage) memory: this is
// the baseline the tiled kernel is compared with.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let col = gid.x;
    let row = gid.y;
    if (row >= p.m || col >= p.n) {
        return;
    }
    var acc = bias[col];
    for (var k = 0u; k < p.k; k = k + 1u) {
        acc = fma(x[row * p.k + k], w[k * p.n + col], acc);
    }
    if (p.relu != 0u) {
        acc = max(acc, 0.0);
    }
    y[row * p.n + col] = acc;
}
