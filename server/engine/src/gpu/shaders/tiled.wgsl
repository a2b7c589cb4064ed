// Tiled dense layer: y = act(x · W + b), x: M×K, W: K×N, y: M×N (row-major).
//
// One source, several configurations: a WG_X × WG_Y workgroup computes a
// (WG_Y·ROWS) × (4·WG_X) output tile, each thread ROWS rows × one vec4 of
// columns. WG_X, WG_Y and ROWS are pipeline-overridable constants set from
// Rust (`kernels::Config::Tiled`, which refuses values outside what this
// source supports); the defaults give the 64×64 configuration. K is walked in
// slices of TK: the workgroup stages a TM×TK slice of x and a TK×TN slice of
// W in shared memory, so each global value is read once per tile instead of
// once per output. Out-of-range rows/columns/k are loaded as zero and never
// stored, so any M, K, N work. Compiled with wgpu's runtime checks on.

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

// x slice stored transposed ([k][row]), W slice as [k][column quad], so the
// inner loop reads one vec4 of W and ROWS broadcast x values per k.
var<workgroup> xs: array<f32, TK * WG_Y * ROWS>;
var<workgroup> ws: array<vec4<f32>, TK * WG_X>;

@compute @workgroup_size(WG_X, WG_Y, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let tm = WG_Y * ROWS;
    let threads = WG_X * WG_Y;
    let row0 = wid.y * tm;
    let col0 = wid.x * WG_X * 4u;
    let tid = lid.y * WG_X + lid.x;

    var acc: array<vec4<f32>, MAX_ROWS>;

    for (var k0 = 0u; k0 < p.k; k0 = k0 + TK) {
        // Staging: consecutive threads take consecutive k of one x row and
        // consecutive column quads of one W row (coalesced on real GPUs).
        for (var e = tid; e < tm * TK; e = e + threads) {
            let r = e / TK;
            let c = e % TK;
            var v = 0.0;
            if (row0 + r < p.m && k0 + c < p.k) {
                v = x[(row0 + r) * p.k + k0 + c];
            }
            xs[c * tm + r] = v;
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
            let a0 = kk * tm + lid.y * ROWS;
            for (var i = 0u; i < ROWS; i = i + 1u) {
                acc[i] = fma(vec4<f32>(xs[a0 + i]), b, acc[i]);
            }
        }
        workgroupBarrier();
    }

    let row = row0 + lid.y * ROWS;
    let col = col0 + lid.x * 4u;
    for (var i = 0u; i < ROWS; i = i + 1u) {
        let r = row + i;
        if (r >= p.m) {
            break;
        }
        for (var j = 0u; j < 4u; j = j + 1u) {
            let c = col + j;
            if (c < p.n) {
                var v = acc[i][j] + bias[c];
                if (p.relu != 0u) {
                    v = max(v, 0.0);
                }
                y[r * p.n + c] = v;
            }
        }
    }
}
