//! Scratch: one thread's strip Y[b×w] += X[b×k]·W[k×cols] under several W layouts.
#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}
extern "C" {
    fn clock_gettime(clk: i32, ts: *mut Timespec) -> i32;
}
/// This thread's CPU time: time slices lost to other processes do not count.
fn cpu_now() -> f64 {
    let mut ts = Timespec { sec: 0, nsec: 0 };
    unsafe { clock_gettime(3, &mut ts) };
    ts.sec as f64 + ts.nsec as f64 * 1e-9
}

use gemm::{gemm, Parallelism};

fn rnd(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect()
}

/// Y (b×w, row stride ys) += X (b×k) · B where B(kk, c) is at b_ptr + kk*b_rs + c*b_cs.
unsafe fn g(
    b: usize,
    w: usize,
    k: usize,
    y: *mut f32,
    ys: usize,
    x: *const f32,
    xs: usize,
    bp: *const f32,
    b_cs: isize,
    b_rs: isize,
) {
    gemm(
        b,
        w,
        k,
        y,
        1,
        ys as isize,
        true,
        x,
        1,
        xs as isize,
        bp,
        b_cs,
        b_rs,
        1.0,
        1.0,
        false,
        false,
        false,
        Parallelism::None,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let k: usize = args[1].parse().unwrap();
    let n: usize = args[2].parse().unwrap();
    let w: usize = args[3].parse().unwrap();
    let batches: Vec<usize> = args[4].split(',').map(|s| s.parse().unwrap()).collect();
    let reps: usize = args.get(5).map_or(7, |s| s.parse().unwrap());
    let wfull = rnd(k * n, 1);
    // strip = columns 0..w of W
    let grp = |gw: usize| -> Vec<f32> {
        // groups of gw cols, each [kk][gw]
        let mut v = vec![0.0; k * w];
        for g0 in (0..w).step_by(gw) {
            let ge = gw.min(w - g0);
            for kk in 0..k {
                for c in 0..ge {
                    v[g0 * k + kk * ge + c] = wfull[kk * n + g0 + c];
                }
            }
        }
        v
    };
    let g128 = grp(128);
    let g16 = grp(16);
    let g48 = grp(48);
    let mut wt = vec![0.0; w * k];
    for c in 0..w {
        for kk in 0..k {
            wt[c * k + kk] = wfull[kk * n + c];
        }
    }
    let maxb = *batches.iter().max().unwrap();
    let x = rnd(maxb * k, 2);
    let mut y = vec![0.0f32; maxb * w];
    let mut yref = vec![0.0f32; maxb * w];
    let mut flush = vec![0.0f32; 24 << 20];
    let thr0 = gemm::get_lhs_packing_threshold_single_thread();
    for &b in &batches {
        let flops = 2.0 * (b * k * w) as f64;
        type V<'a> = (&'a str, usize, Box<dyn Fn(&mut [f32]) + 'a>);
        let variants: Vec<V> = vec![
            (
                "v0 row-major W (today)",
                thr0,
                Box::new(|y: &mut [f32]| unsafe {
                    g(
                        b,
                        w,
                        k,
                        y.as_mut_ptr(),
                        w,
                        x.as_ptr(),
                        k,
                        wfull.as_ptr(),
                        1,
                        n as isize,
                    )
                }),
            ),
            (
                "v1 groups of 128, packed",
                thr0,
                Box::new(|y: &mut [f32]| unsafe {
                    for g0 in (0..w).step_by(128) {
                        g(
                            b,
                            128,
                            k,
                            y.as_mut_ptr().add(g0),
                            w,
                            x.as_ptr(),
                            k,
                            g128.as_ptr().add(g0 * k),
                            1,
                            128,
                        )
                    }
                }),
            ),
            (
                "v4 groups of 128, unpacked",
                256,
                Box::new(|y: &mut [f32]| unsafe {
                    for g0 in (0..w).step_by(128) {
                        g(
                            b,
                            128,
                            k,
                            y.as_mut_ptr().add(g0),
                            w,
                            x.as_ptr(),
                            k,
                            g128.as_ptr().add(g0 * k),
                            1,
                            128,
                        )
                    }
                }),
            ),
            (
                "v2 panels of 16, unpacked",
                256,
                Box::new(|y: &mut [f32]| unsafe {
                    for g0 in (0..w).step_by(16) {
                        g(
                            b,
                            16,
                            k,
                            y.as_mut_ptr().add(g0),
                            w,
                            x.as_ptr(),
                            k,
                            g16.as_ptr().add(g0 * k),
                            1,
                            16,
                        )
                    }
                }),
            ),
            (
                "v2b panels of 16, unpacked, k chunks of 512 outer",
                256,
                Box::new(|y: &mut [f32]| unsafe {
                    for k0 in (0..k).step_by(512) {
                        let kc = 512.min(k - k0);
                        for g0 in (0..w).step_by(16) {
                            g(
                                b,
                                16,
                                kc,
                                y.as_mut_ptr().add(g0),
                                w,
                                x.as_ptr().add(k0),
                                k,
                                g16.as_ptr().add(g0 * k + k0 * 16),
                                1,
                                16,
                            )
                        }
                    }
                }),
            ),
            (
                "v6 panels of 48, unpacked",
                256,
                Box::new(|y: &mut [f32]| unsafe {
                    for g0 in (0..w).step_by(48) {
                        let ge = 48.min(w - g0);
                        g(
                            b,
                            ge,
                            k,
                            y.as_mut_ptr().add(g0),
                            w,
                            x.as_ptr(),
                            k,
                            g48.as_ptr().add(g0 * k),
                            1,
                            ge as isize,
                        )
                    }
                }),
            ),
            (
                "v5 panels of 16, packed",
                thr0,
                Box::new(|y: &mut [f32]| unsafe {
                    for g0 in (0..w).step_by(16) {
                        g(
                            b,
                            16,
                            k,
                            y.as_mut_ptr().add(g0),
                            w,
                            x.as_ptr(),
                            k,
                            g16.as_ptr().add(g0 * k),
                            1,
                            16,
                        )
                    }
                }),
            ),
            (
                "v3 W^T row-major",
                thr0,
                Box::new(|y: &mut [f32]| unsafe {
                    g(
                        b,
                        w,
                        k,
                        y.as_mut_ptr(),
                        w,
                        x.as_ptr(),
                        k,
                        wt.as_ptr(),
                        k as isize,
                        1,
                    )
                }),
            ),
        ];
        let chunks: Vec<usize> = std::env::var("CHUNKS")
            .unwrap_or_default()
            .split(',')
            .filter_map(|c| c.parse().ok())
            .collect();
        let mut variants = variants;
        for &rc in &chunks {
            let (x, g16) = (&x, &g16);
            let name: &'static str =
                Box::leak(format!("v7 rows by {rc}, panels of 16, unpacked").into_boxed_str());
            variants.push((
                name,
                256,
                Box::new(move |y: &mut [f32]| unsafe {
                    for r0 in (0..b).step_by(rc) {
                        let rb = rc.min(b - r0);
                        for g0 in (0..w).step_by(16) {
                            g(
                                rb,
                                16,
                                k,
                                y.as_mut_ptr().add(r0 * w + g0),
                                w,
                                x.as_ptr().add(r0 * k),
                                k,
                                g16.as_ptr().add(g0 * k),
                                1,
                                16,
                            )
                        }
                    }
                }),
            ));
        }
        yref[..b * w].fill(0.0);
        gemm::set_lhs_packing_threshold_single_thread(thr0);
        (variants[0].2)(&mut yref);
        let only = std::env::var("ONLY").unwrap_or_default();
        for (name, thr, f) in variants
            .iter()
            .filter(|v| only.split(',').any(|o| v.0.starts_with(o)))
        {
            gemm::set_lhs_packing_threshold_single_thread(*thr);
            y[..b * w].fill(0.0);
            f(&mut y);
            let err = y[..b * w]
                .iter()
                .zip(&yref[..b * w])
                .map(|(a, r)| (a - r).abs())
                .fold(0.0f32, f32::max);
            let mut ts = Vec::new();
            for _ in 0..reps {
                // Evict W from the 32 MB L3, as the other layers of a forward pass do.
                for v in flush.iter_mut().take(if std::env::var("NOFLUSH").is_ok() {
                    0
                } else {
                    usize::MAX
                }) {
                    *v += 1.0;
                }
                std::hint::black_box(&flush);
                let t = cpu_now();
                f(&mut y);
                ts.push(cpu_now() - t);
            }
            ts.sort_by(|a, b| a.partial_cmp(b).unwrap());
            println!(
                "k={k} n={n} w={w} b={b:5} {name:50} best {:6.1} GF/s  median {:6.1} GF/s  err {err:.1e}",
                flops / ts[0] / 1e9,
                flops / ts[reps / 2] / 1e9
            );
        }
        gemm::set_lhs_packing_threshold_single_thread(thr0);
    }
}
