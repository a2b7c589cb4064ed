//! Scratch: GFLOP per wall second and per CPU second (all threads) of CpuRunner::forward.
use std::sync::Arc;
use std::time::Instant;

use lab_engine::cpu::CpuRunner;
use lab_engine::{fill_inputs, Mlp, Preset};

#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}
extern "C" {
    fn clock_gettime(clk: i32, ts: *mut Timespec) -> i32;
}
fn process_cpu() -> f64 {
    let mut ts = Timespec { sec: 0, nsec: 0 };
    unsafe { clock_gettime(2, &mut ts) };
    ts.sec as f64 + ts.nsec as f64 * 1e-9
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let preset = match a[1].as_str() {
        "large" => Preset::Large,
        "medium" => Preset::Medium,
        _ => Preset::Tiny,
    };
    let b: usize = a[2].parse().unwrap();
    let threads: usize = a[3].parse().unwrap();
    let gflop: f64 = a.get(4).map_or(12.0, |s| s.parse().unwrap());
    let mlp = Arc::new(Mlp::preset(preset, 1));
    let fpi = mlp.spec.flops_per_item();
    let iters = ((gflop * 1e9 / fpi / b as f64).ceil() as usize).max(1);
    let mut x = vec![0.0; b * mlp.spec.input_width()];
    fill_inputs(1, 0, b, mlp.spec.input_width(), &mut x);
    let mut r = CpuRunner::new(mlp.clone(), threads, b);
    r.forward(&x, b).unwrap();
    let mut best_wall = f64::MAX;
    let mut best_cpu = f64::MAX;
    for _ in 0..3 {
        let (t, c) = (Instant::now(), process_cpu());
        for _ in 0..iters {
            std::hint::black_box(r.forward(&x, b).unwrap());
        }
        best_wall = best_wall.min(t.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(process_cpu() - c);
    }
    let f = fpi * (b * iters) as f64 / 1e9;
    println!(
        "{} b={b} t={threads}: {:.1} GFLOP/s wall, {:.1} GFLOP per CPU-second",
        a[1],
        f / best_wall,
        f / best_cpu
    );
}
