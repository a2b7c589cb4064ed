//! GFLOP/s table: CPU (1 thread, all threads), tiled GPU and naive GPU for
//! every preset at batch sizes 1, 8, 64, 256, 1024.
//!
//! `cargo bench -p lab-engine --bench gflops` (add `-- --json` for JSON lines).
//! Not a test: it asserts nothing. Work per measurement is capped so the
//! whole table takes about ten minutes on a 2-core machine with lavapipe;
//! capped cells print "-".

use std::time::Instant;

use lab_engine::{DeviceChoice, Engine, EngineConfig, Kernel, Preset, RunParams};

const BATCHES: [usize; 5] = [1, 8, 64, 256, 1024];

#[derive(Clone, Copy)]
struct Column {
    name: &'static str,
    device: DeviceChoice,
    threads: usize,
    kernel: Kernel,
    /// FLOPs one timed pass aims for, and the most one pass may take.
    target_flops: f64,
    max_flops: f64,
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let engine = Engine::new(EngineConfig::default());
    let limits = engine.limits().clone();
    let threads = lab_engine::limits::available_threads();
    let gpu = engine.devices(None).visible().next().map(|a| format!("{} ({:?})", a.name, a.label));
    let mut columns = vec![
        Column { name: "CPU 1 thread", device: DeviceChoice::Cpu, threads: 1, kernel: Kernel::Tiled, target_flops: 4e9, max_flops: 20e9 },
        Column { name: "CPU all threads", device: DeviceChoice::Cpu, threads: 0, kernel: Kernel::Tiled, target_flops: 4e9, max_flops: 20e9 },
    ];
    if gpu.is_some() {
        columns.push(Column { name: "GPU tiled", device: DeviceChoice::Gpu, threads: 0, kernel: Kernel::Tiled, target_flops: 2e9, max_flops: 14e9 });
        columns.push(Column { name: "GPU naive", device: DeviceChoice::Gpu, threads: 0, kernel: Kernel::Naive, target_flops: 0.5e9, max_flops: 4e9 });
    }
    println!("# lab-engine GFLOP/s (median of 3 timed passes after 1 warm-up; upload+compute+readback for the GPU)");
    println!("# CPU threads available: {threads}; GPU: {}", gpu.as_deref().unwrap_or("none visible"));
    let started = Instant::now();
    for preset in Preset::ALL {
        let spec = preset.spec();
        let fpi = spec.flops_per_item();
        println!();
        let widths: Vec<String> = spec.widths.iter().map(|w| w.to_string()).collect();
        println!("## {} ({})", preset.name(), widths.join("-"));
        print!("| batch |");
        for c in &columns {
            print!(" {} |", c.name);
        }
        println!(" GPU tiled kernel-only |");
        print!("|---:|");
        for _ in 0..=columns.len() {
            print!("---:|");
        }
        println!();
        for batch in BATCHES {
            print!("| {batch} |");
            let mut kernel_only = None;
            for c in &columns {
                // n: enough items to reach the target work, a multiple of the batch.
                let items = ((c.target_flops / fpi).ceil() as usize).max(batch);
                // Stay inside the engine's per-request batch-count limit (4 passes).
                let max_batches = match c.device {
                    DeviceChoice::Gpu => limits.max_gpu_batches,
                    _ => limits.max_cpu_batches,
                } as usize
                    / 4;
                let n = items.div_ceil(batch).min(max_batches) * batch;
                if n as f64 * fpi > c.max_flops {
                    print!(" - |");
                    continue;
                }
                let p = RunParams {
                    model: preset,
                    n,
                    batch,
                    device: c.device,
                    cpu_threads: c.threads,
                    repeats: 3,
                    warmup: 1,
                    kernel: c.kernel,
                    visible_devices: None,
                };
                match engine.run(&p) {
                    Ok(r) => {
                        let d = &r.results[0];
                        print!(" {:.1} |", d.gflops);
                        if c.device == DeviceChoice::Gpu && c.kernel == Kernel::Tiled {
                            kernel_only = d.kernel_gflops;
                        }
                        if json {
                            eprintln!(
                                "{}",
                                serde_json::json!({"preset": preset.name(), "batch": batch, "column": c.name,
                                    "n": n, "gflops": d.gflops, "kernel_gflops": d.kernel_gflops,
                                    "median_ms": d.wall.median_ms})
                            );
                        }
                    }
                    Err(e) => print!(" error: {e} |"),
                }
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
            }
            match kernel_only {
                Some(k) => println!(" {k:.1} |"),
                None => println!(" - |"),
            }
        }
    }
    println!();
    println!("# total bench time: {:.0} s", started.elapsed().as_secs_f64());
}
