// Tiled dense layer: y = act(x · W + b), x: M×K, W: K×N, y: M×N (row-major).
//
// One source, several configurations: a WG_X × WG_Y workgroup computes a
// (WG_Y·ROWS) × (4·WG_X) output tile, each thread ROWS rows × one vec4 of
// columns. WG_X, WG_Y and ROWS are pipeline-overridable constants set from
// Rust (`kernels::Config::Tiled`, which refuses values outside what this
// source supports: ROWS is 4 or 8); the defaults give the 64×64
// configuration. K is walked in slices of TK: the workgroup stages a TM×TK
// slice of x and a TK×TN slice of W in shared memory, so each global value is
// read once per tile instead of once per output. Out-of-range rows/columns/k
// are loaded as zero and never stored, so any M, K, N work. Compiled with
// wgpu's runtime checks on.
//
// Shared memory is read as vec4 on both sides: per k, a thread reads one vec4
// of W (its four columns) and ROWS / 4 vec4s of x (four of its rows each), so
// it does 16 FMAs per 2 reads. Reading x one float per row (as an earlier
// version did) cost 1.2–2.5× on lavapipe, where every shared-memory read of a
// value that differs between invocations is a loop over the SIMD lanes.

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

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override ROWS: u32 = 4u;
const TK: u32 = 16u;
// Accumulator registers per thread: the most ROWS may be.
const MAX_ROWS: u32 = 8u;

// x slice stored transposed, four rows per vec4 ([k][row quad]), W slice as
// [k][column quad], so the inner loop reads one vec4 of W and ROWS / 4 vec4s
// of x per k.
var<workgroup> xs: array<vec4<f32>, TK * WG_Y * ROWS / 4>;
var<workgroup> ws: array<vec4<f32>, TK * WG_X>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let tm = WG_Y * ROWS;
    let tq = tm / 4u; // row quads per k in xs
    let quads = ROWS / 4u; // row quads per thread
    let threads = WG_X * WG_Y;
    let row0 = wid.y * tm;
    let col0 = wid.x * WG_X * 4u;
    let tid = lid.y * WG_X + lid.x;

    var acc: array<vec4<f32>, MAX_ROWS>;

    for (var k0 = 0u; k0 < p.k; k0 = k0 + TK) {
        // Staging, one whole vec4 per store: consecutive threads take
        // consecutive k of one quad of x rows and consecutive column quads of
        // one W row (coalesced on real GPUs).
        for (var e = tid; e < tq * TK; e = e + threads) {
            let q = e / TK;
            let c = e % TK;
            var v = vec4<f32>(0.0);
            if (k0 + c < p.k) {
                for (var j = 0u; j < 4u; j = j + 1u) {
                    let r = row0 + q * 4u + j;
                    if (r < p.m) {
                        v[j] = x[r * p.k + k0 + c];
                    }
                }
            }
            xs[c * tq + q] = v;
        }
        for (var e = tid; e < TK * WG_X; e = e + threads) {
            let kk = e / WG_X;
            let q = e % WG_X;
            var v = vec4<f32>(0.0);
            if (k0 + kk < p.k) {
                for (var j = 0u; j < 4u; j = j + 1u) {
                    let col = col0 + q * 4u + j;
                    if (col < p.n) {
                        v[j] = w[(k0 + kk) * p.n + col];
                    }
                }
            }
            ws[e] = v;
        }
        workgroupBarrier();

        for (var kk = 0u; kk < TK; kk = kk + 1u) {
            let b = ws[kk * WG_X + lid.x];
            let a0 = kk * tq + lid.y * quads;
            for (var q = 0u; q < quads; q = q + 1u) {
                let a = xs[a0 + q];
                acc[4u * q] = fma(vec4<f32>(a.x), b, acc[4u * q]);
                acc[4u * q + 1u] = fma(vec4<f32>(a.y), b, acc[4u * q + 1u]);
                acc[4u * q + 2u] = fma(vec4<f32>(a.z), b, acc[4u * q + 2u]);
                acc[4u * q + 3u] = fma(vec4<f32>(a.w), b, acc[4u * q + 3u]);
            }
        }
        workgroupBarrier();
    }

    let row = row0 + lid.y * ROWS;
    let col = col0 + lid.x * 4u;
    // Fixed trip counts, no `break`: the driver can unroll these loops, so
    // `acc` is indexed by constants and stays in registers (on lavapipe an
    // array indexed by a variable lives in memory, every FMA above included).
    for (var i = 0u; i < ROWS; i = i + 1u) {
        let r = row + i;
        for (var j = 0u; j < 4u; j = j + 1u) {
            let c = col + j;
            if (r < p.m && c < p.n) {
                var v = acc[i][j] + bias[c];
                if (p.relu != 0u) {
                    v = max(v, 0.0);
                }
                y[r * p.n + c] = v;
            }
        }
    }
}
