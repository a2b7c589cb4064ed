// Tiled dense layer: y = act(x · W + b), x: M×K, W: K×N, y: M×N (row-major).
//
// A 16×16 workgroup computes a 64×64 output tile; each thread owns a 4×4
// register block (4 rows × one vec4 of columns). The K dimension is walked
// in slices of 16: the workgroup stages a 64×16 slice of x and a 16×64 slice
// of W in shared memory, so each global value is read once per tile instead
// of once per output. Out-of-range rows/columns/k are loaded as zero and
// never stored, so any M, K, N work.

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

const TM: u32 = 64u;
const TN: u32 = 64u;
const TK: u32 = 16u;

// x slice stored transposed ([k][row]) and W slice as [k][col], both as vec4
// so the inner loop does two vector loads and four vec4 FMAs.
var<workgroup> xs: array<vec4<f32>, 256>; // TK × TM/4
var<workgroup> ws: array<vec4<f32>, 256>; // TK × TN/4

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let row0 = wid.y * TM;
    let col0 = wid.x * TN;
    let tid = lid.y * 16u + lid.x;

    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);

    for (var k0 = 0u; k0 < p.k; k0 = k0 + TK) {
        // Each thread stages one vec4 of each slice: 4 rows of x at one k,
        // and 4 columns of W at one k. Neighbouring threads read
        // neighbouring addresses (coalesced on real GPUs).
        let q = tid / 16u; // row quad (x) / k row (W)
        let c = tid % 16u; // k (x) / column quad (W)
        var xv = vec4<f32>(0.0);
        let xk = k0 + c;
        if (xk < p.k) {
            for (var j = 0u; j < 4u; j = j + 1u) {
                let r = row0 + q * 4u + j;
                if (r < p.m) {
                    xv[j] = x[r * p.k + xk];
                }
            }
        }
        xs[c * 16u + q] = xv;
        var wv = vec4<f32>(0.0);
        let wk = k0 + q;
        if (wk < p.k) {
            for (var j = 0u; j < 4u; j = j + 1u) {
                let col = col0 + c * 4u + j;
                if (col < p.n) {
                    wv[j] = w[wk * p.n + col];
                }
            }
        }
        ws[q * 16u + c] = wv;
        workgroupBarrier();

        for (var kk = 0u; kk < TK; kk = kk + 1u) {
            let a = xs[kk * 16u + lid.y]; // rows lid.y*4 .. +3
            let b = ws[kk * 16u + lid.x]; // cols lid.x*4 .. +3
            acc0 = fma(vec4<f32>(a.x), b, acc0);
            acc1 = fma(vec4<f32>(a.y), b, acc1);
            acc2 = fma(vec4<f32>(a.z), b, acc2);
            acc3 = fma(vec4<f32>(a.w), b, acc3);
        }
        workgroupBarrier();
    }

    let row = row0 + lid.y * 4u;
    let col = col0 + lid.x * 4u;
    var accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
    for (var i = 0u; i < 4u; i = i + 1u) {
        let r = row + i;
        if (r >= p.m) {
            break;
        }
        for (var j = 0u; j < 4u; j = j + 1u) {
            let c = col + j;
            if (c < p.n) {
                var v = accs[i][j] + bias[c];
                if (p.relu != 0u) {
                    v = max(v, 0.0);
                }
                y[r * p.n + c] = v;
            }
        }
    }
}
