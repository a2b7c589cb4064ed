// FMA-throughput probe: every thread runs 8 independent vec4 FMA chains
// (enough independent work to hide FMA latency), `iters` steps of 4 chained
// FMAs each, and writes one sum so the compiler cannot drop the work.
// FLOPs = threads × iters × 4 × 8 chains × 4 lanes × 2.

struct Probe {
    iters: u32,
}

@group(0) @binding(0) var<storage, read_write> sink: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> probe: Probe;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let seed = f32(gid.x % 1024u) * 1e-6;
    var a0 = vec4<f32>(seed);
    var a1 = a0 + 0.1;
    var a2 = a0 + 0.2;
    var a3 = a0 + 0.3;
    var a4 = a0 + 0.4;
    var a5 = a0 + 0.5;
    var a6 = a0 + 0.6;
    var a7 = a0 + 0.7;
    let m = vec4<f32>(0.999999);
    let c = vec4<f32>(1e-7);
    for (var i = 0u; i < probe.iters; i = i + 1u) {
        for (var u = 0u; u < 4u; u = u + 1u) {
            a0 = fma(a0, m, c);
            a1 = fma(a1, m, c);
            a2 = fma(a2, m, c);
            a3 = fma(a3, m, c);
            a4 = fma(a4, m, c);
            a5 = fma(a5, m, c);
            a6 = fma(a6, m, c);
            a7 = fma(a7, m, c);
        }
    }
    sink[gid.x % arrayLength(&sink)] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}
