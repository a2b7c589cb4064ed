//! The CPU's memory roof: a STREAM triad `a[i] = b[i] + s·c[i]` on all the
//! engine's CPU threads. Each thread allocates and first-touches its own
//! chunk of the three arrays (on a NUMA machine the pages then live next
//! to the core that streams them) and keeps it for every pass.

use std::sync::{Barrier, Mutex};
use std::time::Instant;

use lab_types::Roof;

use super::{measured_roof, mib, threads_text, SAMPLES, WARMUPS};

/// The arrays are at least this large each, whatever the cache says.
const MIN_ARRAY_BYTES: u64 = 64 << 20;
/// And at most this large: memory use stays bounded (3 GiB in all) on a host
/// reporting a huge last-level cache.
const MAX_ARRAY_BYTES: u64 = 1 << 30;
/// The arrays' size as a multiple of the last-level cache.
const CACHE_MULTIPLE: u64 = 4;

/// The CPU memory roof and the bytes each array had.
pub struct CpuMemory {
    pub roof: Roof,
    pub array_bytes: u64,
}

/// Bytes per array: 4× the last-level cache, within [64 MiB, 1 GiB].
pub fn array_bytes(cache_bytes: Option<u64>) -> u64 {
    cache_bytes
        .unwrap_or(0)
        .saturating_mul(CACHE_MULTIPLE)
        .clamp(MIN_ARRAY_BYTES, MAX_ARRAY_BYTES)
}

/// Measures the triad's bandwidth over `WARMUPS` + `SAMPLES` passes on
/// `threads` threads. The arrays are freed before it returns.
pub fn measure(threads: usize, cache_bytes: Option<u64>) -> CpuMemory {
    let threads = threads.max(1);
    let bytes = array_bytes(cache_bytes);
    let floats = (bytes / 4) as usize;
    let per_thread = floats.div_ceil(threads);
    let passes = WARMUPS + SAMPLES;
    // The workers start each pass together (a barrier) and each notes when
    // its share began and ended: a pass lasts from the first start to the
    // last end. Timing from this thread instead would start its clock late
    // whenever it is scheduled after the workers (it was: 2 workers and this
    // thread on 2 cores read 145 GB/s where the triad in C reads 46).
    let barrier = Barrier::new(threads);
    let spans: Mutex<Vec<Vec<(Instant, Instant)>>> = Mutex::new(vec![Vec::new(); passes]);
    std::thread::scope(|s| {
        for t in 0..threads {
            let len = per_thread.min(floats.saturating_sub(t * per_thread));
            let (barrier, spans) = (&barrier, &spans);
            s.spawn(move || worker(len, passes, barrier, spans));
        }
    });
    let spans = spans.into_inner().unwrap_or_else(|e| e.into_inner());
    let seconds: Vec<f64> = spans
        .iter()
        .map(|pass| {
            let first = pass.iter().map(|s| s.0).min();
            let last = pass.iter().map(|s| s.1).max();
            match (first, last) {
                (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
                _ => 0.0,
            }
        })
        .collect();
    // STREAM counts the triad's traffic as 3 arrays per pass (two read, one
    // written); the written array's cache lines are also read first
    // (write-allocate), which is not counted.
    let moved = 3.0 * bytes as f64;
    let gb_s: Vec<f64> = seconds[WARMUPS..]
        .iter()
        .map(|&s| if s > 0.0 { moved / s / 1e9 } else { 0.0 })
        .collect();
    let cache = match cache_bytes {
        Some(c) => format!("{}× the {} last-level cache", bytes / c.max(1), mib(c)),
        None => "last-level cache size unknown".to_string(),
    };
    let method = format!(
        "STREAM triad a = b + s·c in Rust on {}, each thread first-touching its own chunk; \
         3 arrays × {} ({cache}); 3 × {} counted per pass (STREAM's convention: \
         write-allocate traffic not counted); median of {SAMPLES} passes after {WARMUPS} \
         warm-ups, host clock",
        threads_text(threads),
        mib(bytes),
        mib(bytes),
    );
    CpuMemory {
        roof: measured_roof(&gb_s, method),
        array_bytes: bytes,
    }
}

/// One thread's share: allocate and touch it here, then triad it once per
/// pass, noting when each pass began and ended.
fn worker(
    len: usize,
    passes: usize,
    barrier: &Barrier,
    spans: &Mutex<Vec<Vec<(Instant, Instant)>>>,
) {
    let mut a = vec![0.0f32; len];
    let b: Vec<f32> = (0..len).map(|i| 1.0 + (i % 4093) as f32 * 1e-3).collect();
    let c: Vec<f32> = (0..len).map(|i| 2.0 - (i % 4093) as f32 * 1e-3).collect();
    // `vec![0.0; n]` may map untouched zero pages; write them so the first
    // timed pass pays no page faults and the pages sit near this thread.
    a.iter_mut().for_each(|x| *x = 0.5);
    let scalar = std::hint::black_box(3.0f32);
    for pass in 0..passes {
        barrier.wait();
        let start = Instant::now();
        triad(&mut a, &b, &c, scalar);
        std::hint::black_box(&mut a);
        let end = Instant::now();
        if let Ok(mut spans) = spans.lock() {
            spans[pass].push((start, end));
        }
    }
}

fn triad(a: &mut [f32], b: &[f32], c: &[f32], s: f32) {
    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
        *a = b + s * c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_four_caches_within_bounds() {
        assert_eq!(array_bytes(Some(32 << 20)), 128 << 20);
        assert_eq!(array_bytes(Some(1 << 20)), 64 << 20, "at least 64 MiB");
        assert_eq!(array_bytes(None), 64 << 20);
        assert_eq!(array_bytes(Some(1 << 40)), 1 << 30, "at most 1 GiB");
        assert_eq!(array_bytes(Some(u64::MAX)), 1 << 30);
    }

    #[test]
    fn triad_computes_b_plus_s_c() {
        let mut a = vec![0.0; 3];
        triad(&mut a, &[1.0, 2.0, 3.0], &[1.0, 0.5, -1.0], 2.0);
        assert_eq!(a, [3.0, 3.0, 1.0]);
    }
}
