// Large-tile dense layer: y = act(x · W + b) for K and N multiples of 4.
//
// A 16×16 workgroup computes a 128×128 output tile, each thread an 8×8
// block (two row quads × two column quads, 64 apart, so neighbouring threads
// read neighbouring shared-memory vec4s). x, W and y are read and written as
// vec4 (hence K, N ≡ 0 mod 4). K is walked in slices of 8 through two shared
// buffers: while the workgroup multiplies slice t out of one buffer, each
// thread has already loaded its part of slice t+1 into registers and stores
// it into the other buffer, so one barrier per slice suffices and the global
// loads overlap the arithmetic. The x slice is stored transposed ([k][row])
// with one vec4 of padding per k row, so the transposing stores of the two
// threads that share a row land in different banks.
//
// Compiled without wgpu's runtime checks (see `pipeline.rs`): every global
// index is guarded by an explicit comparison with m, k or n below, the host
// guarantees the bindings hold m × k (x), k × n (W), n (bias) and m × n (y)
// floats, and every shared index is bounded by constants (≤ 527 of 528, ≤ 511
// of 512). The K loop ends after ceil(k / 8) slices. It declares no
// `override` constants: its staging gives each of its 256 threads exactly one
// vec4 of each slice, so its shape is fixed and no pipeline value can move an
// index out of bounds.

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

const TM: u32 = 128u;
const TK: u32 = 8u;
const XS_ROW: u32 = 33u; // TM / 4 vec4s + 1 of padding
const XS_BUF: u32 = 264u; // TK × XS_ROW
const WS_ROW: u32 = 32u; // TN / 4
const WS_BUF: u32 = 256u; // TK × WS_ROW

var<workgroup> xs: array<vec4<f32>, 528>; // 2 buffers
var<workgroup> ws: array<vec4<f32>, 512>; // 2 buffers

// Four consecutive k of one x row (zero past m or k).
fn load_x(row: u32, kq: u32) -> vec4<f32> {
    let k4 = p.k / 4u;
    if (row < p.m && kq < k4) {
        return x[row * k4 + kq];
    }
    return vec4<f32>(0.0);
}

// Four consecutive columns of one W row (zero past k or n).
fn load_w(k: u32, cq: u32) -> vec4<f32> {
    let n4 = p.n / 4u;
    if (k < p.k && cq < n4) {
        return w[k * n4 + cq];
    }
    return vec4<f32>(0.0);
}

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let tid = lid.y * 16u + lid.x;
    let row0 = wid.y * TM;
    let cq0 = wid.x * WS_ROW;
    // Staging roles: x: row xr, k quad xkq of the slice; W: k row wk, column quad wcq.
    let xr = tid / 2u;
    let xkq = tid % 2u;
    let wk = tid / 32u;
    let wcq = tid % 32u;

    var xv = load_x(row0 + xr, xkq);
    var wv = load_w(wk, cq0 + wcq);
    for (var j = 0u; j < 4u; j = j + 1u) {
        xs[(xkq * 4u + j) * XS_ROW + xr / 4u][xr % 4u] = xv[j];
    }
    ws[wk * WS_ROW + wcq] = wv;
    workgroupBarrier();

    var acc: array<vec4<f32>, 16>; // [row 0..7][column half 0..1], zero-initialised
    let slices = (p.k + TK - 1u) / TK;
    for (var t = 0u; t < slices; t = t + 1u) {
        let cur = t % 2u;
        let more = t + 1u < slices;
        if (more) {
            xv = load_x(row0 + xr, (t + 1u) * 2u + xkq);
            wv = load_w((t + 1u) * TK + wk, cq0 + wcq);
        }
        for (var kk = 0u; kk < TK; kk = kk + 1u) {
            let xb = cur * XS_BUF + kk * XS_ROW + lid.y;
            let wb = cur * WS_BUF + kk * WS_ROW + lid.x;
            let a0 = xs[xb];
            let a1 = xs[xb + 16u];
            let b0 = ws[wb];
            let b1 = ws[wb + 16u];
            for (var i = 0u; i < 4u; i = i + 1u) {
                acc[2u * i] = fma(vec4<f32>(a0[i]), b0, acc[2u * i]);
                acc[2u * i + 1u] = fma(vec4<f32>(a0[i]), b1, acc[2u * i + 1u]);
                acc[8u + 2u * i] = fma(vec4<f32>(a1[i]), b0, acc[8u + 2u * i]);
                acc[9u + 2u * i] = fma(vec4<f32>(a1[i]), b1, acc[9u + 2u * i]);
            }
        }
        if (more) {
            let nb = (1u - cur);
            for (var j = 0u; j < 4u; j = j + 1u) {
                xs[nb * XS_BUF + (xkq * 4u + j) * XS_ROW + xr / 4u][xr % 4u] = xv[j];
            }
            ws[nb * WS_BUF + wk * WS_ROW + wcq] = wv;
        }
        workgroupBarrier();
    }

    let n4 = p.n / 4u;
    for (var h = 0u; h < 2u; h = h + 1u) {
        let cq = cq0 + lid.x + 16u * h;
        if (cq >= n4) {
            continue;
        }
        let c = cq * 4u;
        let b = vec4<f32>(bias[c], bias[c + 1u], bias[c + 2u], bias[c + 3u]);
        for (var g = 0u; g < 2u; g = g + 1u) {
            for (var i = 0u; i < 4u; i = i + 1u) {
                let r = row0 + g * 64u + lid.y * 4u + i;
                if (r < p.m) {
                    var v = acc[g * 8u + 2u * i + h] + b;
                    if (p.relu != 0u) {
                        v = max(v, vec4<f32>(0.0));
                    }
                    y[r * n4 + cq] = v;
                }
            }
        }
    }
}
