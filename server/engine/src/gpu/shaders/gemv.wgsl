// Small-batch dense layer (m ≤ 8 rows): y = act(x · W + b).
//
// At b ≤ 8 a layer is a matrix-vector product bound by reading W once, and
// output tiles of 64 rows would leave nearly all threads idle. Here a
// workgroup owns COLS columns; its SLICES thread rows split K between them
// (split-K inside the workgroup), every thread keeps all ≤ 8 rows' sums in
// registers, and shared memory adds the SLICES partial sums at the end.
// COLS and SLICES are pipeline-overridable (`kernels::Config::Gemv`; the
// defaults are 32 × 8). Lanes of
// a row read 32 consecutive W values (coalesced); x values are shared by
// the lanes (broadcast).

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

override COLS: u32 = 32u;
override SLICES: u32 = 8u;
const MAX_ROWS: u32 = 8u;

var<workgroup> partial: array<f32, SLICES * MAX_ROWS * COLS>;

@compute @workgroup_size(COLS, SLICES, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let col = wid.x * COLS + lid.x;
    let in_range = col < p.n;
    // Out-of-range lanes read column 0 and rows past m read the last row, so
    // every load is in bounds and the loops stay uniform; their sums are
    // never stored.
    let c = select(0u, col, in_range);
    var acc = array<f32, 8>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (var k = lid.y; k < p.k; k = k + SLICES) {
        let wv = w[k * p.n + c];
        for (var r = 0u; r < MAX_ROWS; r = r + 1u) {
            let row = min(r, p.m - 1u);
            acc[r] = fma(x[row * p.k + k], wv, acc[r]);
        }
    }
    for (var r = 0u; r < MAX_ROWS; r = r + 1u) {
        partial[(lid.y * MAX_ROWS + r) * COLS + lid.x] = acc[r];
    }
    workgroupBarrier();
    // Thread row t finishes output rows t, t + SLICES, ... (< m) of this
    // workgroup's columns (one row each when SLICES ≥ 8).
    if (in_range) {
        for (var r = lid.y; r < p.m; r = r + SLICES) {
            var v = bias[col];
            for (var s = 0u; s < SLICES; s = s + 1u) {
                v = v + partial[(s * MAX_ROWS + r) * COLS + lid.x];
            }
            if (p.relu != 0u) {
                v = max(v, 0.0);
            }
            y[r * p.n + col] = v;
        }
    }
}
