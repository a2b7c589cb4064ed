//! The CPU's compute roof: an FMA-throughput loop, `CHAINS` independent
//! accumulators per thread (more than FMA latency × FMA ports, so the
//! pipes never wait on a result) on all the engine's CPU threads, with the
//! widest vector FMA the CPU has at run time. Its rate is the CPU's peak
//! here: what this loop reaches, not a datasheet figure (turbo, thermal
//! limits and whatever else runs on the host all move it).

use std::time::Instant;

use lab_types::Roof;

use super::{measured_roof, threads_text, SAMPLES, WARMUPS};

/// Independent accumulator chains per thread: 2 FMA ports × 4–5 cycles of
/// latency need 8–10; 12 leaves room without spilling registers.
const CHAINS: usize = 12;
/// A sample is grown until it takes this long, so thread start-up is noise.
const TARGET_S: f64 = 0.03;

/// Which loop runs: the instruction set, the f32 lanes per FMA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// 512-bit `vfmadd` (`_mm512_fmadd_ps`).
    Avx512,
    /// 256-bit `vfmadd` (`_mm256_fmadd_ps`).
    Avx2Fma,
    /// Plain `a·m + c` on scalars the compiler may vectorise (no FMA: x86-64's
    /// baseline has none).
    Portable,
}

impl Isa {
    /// The best this CPU supports.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Isa::Avx2Fma;
            }
        }
        Isa::Portable
    }

    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "AVX-512F _mm512_fmadd_ps",
            Isa::Avx2Fma => "AVX2+FMA _mm256_fmadd_ps",
            Isa::Portable => "portable multiply-add (no FMA instructions)",
        }
    }

    /// f32 lanes per instruction.
    fn lanes(self) -> usize {
        match self {
            Isa::Avx512 => 16,
            Isa::Avx2Fma => 8,
            Isa::Portable => PORTABLE_LANES,
        }
    }

    /// FLOPs one loop step does (a multiply-add counts as 2, whether fused or not).
    fn flops_per_step(self) -> f64 {
        (CHAINS * self.lanes() * 2) as f64
    }

    /// Runs `steps` steps of the loop; returns a value that depends on every
    /// chain, so no step can be dropped.
    fn run(self, steps: u64) -> f32 {
        match self {
            // SAFETY: an `Isa` other than `Portable` comes from `detect`,
            // which saw its features on this CPU.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { x86::fma_avx512(steps) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2Fma => unsafe { x86::fma_avx2(steps) },
            _ => portable(steps),
        }
    }
}

/// Measures the loop's GFLOP/s on `threads` threads.
pub fn measure(threads: usize) -> Roof {
    measure_with(Isa::detect(), threads)
}

/// The same with a loop `detect` chose (or the portable one).
fn measure_with(isa: Isa, threads: usize) -> Roof {
    let threads = threads.max(1);
    let all = |steps: u64| {
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(move || std::hint::black_box(isa.run(std::hint::black_box(steps))));
            }
        });
        start.elapsed().as_secs_f64()
    };
    // Size a sample (these runs are the warm-up as well).
    let mut steps: u64 = 1 << 12;
    let mut warm = 0;
    while all(steps) < TARGET_S && steps < 1 << 34 {
        steps *= 2;
        warm += 1;
    }
    for _ in warm..WARMUPS {
        all(steps);
    }
    let flops = threads as f64 * steps as f64 * isa.flops_per_step();
    let gflops: Vec<f64> = (0..SAMPLES)
        .map(|_| all(steps))
        .map(|s| if s > 0.0 { flops / s / 1e9 } else { 0.0 })
        .collect();
    let method = format!(
        "FMA-throughput loop, {}, {CHAINS} independent chains per thread on {}, a multiply-add \
         counted as 2 FLOPs; median of {SAMPLES} runs, host clock. This loop's rate, not a \
         datasheet peak",
        isa.name(),
        threads_text(threads),
    );
    measured_roof(&gflops, method)
}

const PORTABLE_LANES: usize = 8;

/// Chains of `a·m + c` in plain arithmetic. Unfused, so results differ from
/// the FMA loops' in the last bit; only the rate matters.
fn portable(steps: u64) -> f32 {
    let m = std::hint::black_box(0.999_999f32);
    let c = std::hint::black_box(1e-7f32);
    let mut acc = [[0.0f32; PORTABLE_LANES]; CHAINS];
    for (i, chain) in acc.iter_mut().enumerate() {
        chain.iter_mut().for_each(|x| *x = i as f32 * 0.1);
    }
    for _ in 0..steps {
        for chain in acc.iter_mut() {
            for x in chain.iter_mut() {
                *x = *x * m + c;
            }
        }
    }
    acc.iter().flatten().sum()
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::CHAINS;

    /// # Safety
    /// The CPU must have AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn fma_avx2(steps: u64) -> f32 {
        let m = _mm256_set1_ps(0.999_999);
        let c = _mm256_set1_ps(1e-7);
        let mut acc: [__m256; CHAINS] = std::array::from_fn(|i| _mm256_set1_ps(i as f32 * 0.1));
        for _ in 0..steps {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_ps(*a, m, c);
            }
        }
        let mut sum = _mm256_setzero_ps();
        for a in acc {
            sum = _mm256_add_ps(sum, a);
        }
        let mut lanes = [0.0f32; 8];
        _mm256_storeu_ps(lanes.as_mut_ptr(), sum);
        lanes.iter().sum()
    }

    /// # Safety
    /// The CPU must have AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn fma_avx512(steps: u64) -> f32 {
        let m = _mm512_set1_ps(0.999_999);
        let c = _mm512_set1_ps(1e-7);
        let mut acc: [__m512; CHAINS] = std::array::from_fn(|i| _mm512_set1_ps(i as f32 * 0.1));
        for _ in 0..steps {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_ps(*a, m, c);
            }
        }
        let mut sum = _mm512_setzero_ps();
        for a in acc {
            sum = _mm512_add_ps(sum, a);
        }
        _mm512_reduce_add_ps(sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_loop_this_cpu_has_computes_the_same_chains() {
        // 12 chains starting at 0.0, 0.1, …, 1.1, each stepped x·m + c: the
        // loops must do that work (within rounding), not skip it.
        let steps = 1000;
        let (m, c) = (0.999_999f64, 1e-7f64);
        let expected: f64 = (0..CHAINS)
            .map(|i| {
                let mut x = i as f64 * 0.1;
                for _ in 0..steps {
                    x = x * m + c;
                }
                x
            })
            .sum();
        for isa in [Isa::detect(), Isa::Portable] {
            let got = isa.run(steps) as f64 / isa.lanes() as f64;
            assert!(
                (got - expected).abs() < 1e-3 * expected,
                "{isa:?}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn a_multiply_add_counts_two_flops_per_lane() {
        assert_eq!(Isa::Avx512.flops_per_step(), (CHAINS * 16 * 2) as f64);
        assert_eq!(Isa::Avx2Fma.flops_per_step(), (CHAINS * 8 * 2) as f64);
        assert_eq!(Isa::Portable.flops_per_step(), (CHAINS * 8 * 2) as f64);
    }
}
