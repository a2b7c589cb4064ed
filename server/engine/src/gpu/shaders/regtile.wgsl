// Register-tiled dense layer for software adapters: y = act(x · W + b), K and
// N multiples of 4.
//
// Why a kernel without shared memory: on a software adapter (lavapipe) the
// "GPU" is the CPU running 8 invocations per SIMD instruction. Shared memory
// is ordinary memory there, a barrier switches between coroutines, and every
// load of a value that differs between invocations is a loop over the 8 lanes,
// one scalar load each; FMAs are cheap. What pays is doing many FMAs per load.
// So each thread keeps an 8 × 8 block of outputs in registers (8 rows × two
// column quads, WG quads apart so neighbouring threads read neighbouring W on
// a real GPU) and reads x and W straight from global memory as vec4s: per 4 k,
// 8 vec4s of x and 8 of W feed 256 FMAs, where the 64×64 tile kernel does 16
// FMAs per 2 shared-memory reads plus its staging. A workgroup of WG threads
// covers 8 rows × 8·WG columns. On lavapipe (2 cores) this ran medium's
// 64 × 1024 → 1024 layer 2.5–4× faster than the 64×64 tiles (BENCHMARKS.md).
// On a real GPU the 64×64 and 128×128 tiles, which share loads between
// threads, are the better choice; the shape rule picks this one only on
// software adapters (autotune may time it anywhere).
//
// Every loop bound is a constant (8 rows, 2 quads) or k / 4, so the driver
// unrolls the inner loops and `acc` stays in registers. Rows past m and
// quads past n are clamped to the last one when read (so every load is in
// bounds without a branch) and never stored.
//
// Compiled without wgpu's runtime checks (see `pipeline.rs`; they cost 10 %
// on lavapipe): every global index is clamped or guarded as just said, the
// host runs this kernel only where K and N are multiples of 4 (`handles`)
// and guarantees the bindings hold m × k (x), k × n (W), n (bias) and m × n
// (y) floats, the private arrays are indexed by constants below their
// lengths, and m = 0 or n < 4 returns at once (no `m - 1` or `n/4 - 1`
// underflow). It declares no `override` constants.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    relu: u32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> p: Params;

const WG: u32 = 16u;
const ROWS: u32 = 8u;

@compute @workgroup_size(WG, 1, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let k4 = p.k / 4u;
    let n4 = p.n / 4u;
    if (p.m == 0u || n4 == 0u) {
        return;
    }
    let row0 = wid.y * ROWS;
    let q0 = wid.x * WG * 2u + lid.x;
    // Where this thread's rows of x start, and its column quads of W (clamped).
    var xrow: array<u32, ROWS>;
    for (var i = 0u; i < ROWS; i = i + 1u) {
        xrow[i] = min(row0 + i, p.m - 1u) * k4;
    }
    let q1 = q0 + WG;
    let c0 = min(q0, n4 - 1u);
    let c1 = min(q1, n4 - 1u);

    // acc[2i]: row i, first column quad; acc[2i + 1]: the second.
    var acc: array<vec4<f32>, 16>;
    for (var kq = 0u; kq < k4; kq = kq + 1u) {
        // Four rows of W (k = 4kq … 4kq+3) × one column quad, as the columns
        // of a matrix: W4 * xv = Σ_j W[4kq + j] · xv[j], a row's four k at once.
        // (Named values, not an array of matrices: on lavapipe that array
        // lived in memory and cost 3×.)
        let kb = kq * 4u * n4;
        let w0 = mat4x4<f32>(w[kb + c0], w[kb + n4 + c0], w[kb + 2u * n4 + c0], w[kb + 3u * n4 + c0]);
        let w1 = mat4x4<f32>(w[kb + c1], w[kb + n4 + c1], w[kb + 2u * n4 + c1], w[kb + 3u * n4 + c1]);
        for (var i = 0u; i < ROWS; i = i + 1u) {
            let xv = x[xrow[i] + kq];
            acc[2u * i] = acc[2u * i] + w0 * xv;
            acc[2u * i + 1u] = acc[2u * i + 1u] + w1 * xv;
        }
    }

    for (var h = 0u; h < 2u; h = h + 1u) {
        let q = q0 + h * WG;
        let c = min(q, n4 - 1u) * 4u;
        let b = vec4<f32>(bias[c], bias[c + 1u], bias[c + 2u], bias[c + 3u]);
        for (var i = 0u; i < ROWS; i = i + 1u) {
            let r = row0 + i;
            if (r < p.m && q < n4) {
                var v = acc[2u * i + h] + b;
                if (p.relu != 0u) {
                    v = max(v, vec4<f32>(0.0));
                }
                y[r * n4 + q] = v;
            }
        }
    }
}
