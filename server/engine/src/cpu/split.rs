//! How one layer's `m × n` output is cut into per-thread blocks, the way
//! onnxruntime's MLAS does it: threads own disjoint blocks of the output, so
//! no two threads pack or write the same data, and each block is computed by
//! a single-threaded GEMM.

/// Column strips start on multiples of this many floats: 16 f32 = 64 bytes,
/// one cache line and one weight panel (`panels::PANEL`), so strips hold
/// whole panels and neighbouring threads never share a cache line of the
/// output.
pub const COL_ALIGN: usize = 16;

/// Fewest multiply-adds worth handing to a thread: below this, waking a
/// thread (a few µs) costs more than the work it takes over (≈ 10 µs at
/// ~50 GFLOP/s per core).
pub const MIN_MACS_PER_THREAD: usize = 1 << 18;

/// One thread's share: output rows `rows` × output columns `cols`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub rows: std::ops::Range<usize>,
    pub cols: std::ops::Range<usize>,
}

/// Cuts `m × n` (inner dimension `k`) into at most `threads` blocks.
///
/// Columns first (every thread then reads all of X, which is small, and only
/// its own strip of W, which is the big operand at inference batch sizes);
/// when the layer has too few columns for every thread (e.g. a 10-wide
/// output layer), the rows are split too.
pub fn blocks(m: usize, k: usize, n: usize, threads: usize) -> Vec<Block> {
    let work = m * k * n;
    let useful = (work / MIN_MACS_PER_THREAD).max(1);
    let parts = threads.max(1).min(useful);
    let col_units = n.div_ceil(COL_ALIGN).max(1);
    let col_parts = parts.min(col_units);
    let row_parts = (parts / col_parts).min(m).max(1);
    let mut out = Vec::with_capacity(col_parts * row_parts);
    for c in 0..col_parts {
        // Spread the aligned units evenly; the last strip absorbs the ragged tail.
        let c0 = (c * col_units / col_parts) * COL_ALIGN;
        let c1 = (((c + 1) * col_units / col_parts) * COL_ALIGN).min(n);
        for r in 0..row_parts {
            let r0 = r * m / row_parts;
            let r1 = (r + 1) * m / row_parts;
            if c0 < c1 && r0 < r1 {
                out.push(Block {
                    rows: r0..r1,
                    cols: c0..c1,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every output element is covered exactly once.
    fn covers(m: usize, n: usize, bs: &[Block]) -> bool {
        let mut seen = vec![0u8; m * n];
        for b in bs {
            for r in b.rows.clone() {
                for c in b.cols.clone() {
                    seen[r * n + c] += 1;
                }
            }
        }
        seen.iter().all(|&s| s == 1)
    }

    #[test]
    fn blocks_tile_the_output_exactly_once() {
        for (m, k, n, t) in [
            (1, 784, 1024, 2),
            (3, 1024, 10, 16),
            (1000, 1024, 10, 16),
            (64, 4096, 4096, 16),
            (7, 33, 17, 4),
            (1, 1, 1, 8),
        ] {
            let bs = blocks(m, k, n, t);
            assert!(!bs.is_empty() && bs.len() <= t, "{m}×{k}×{n} t={t}: {bs:?}");
            assert!(covers(m, n, &bs), "{m}×{k}×{n} t={t}: {bs:?}");
        }
    }

    #[test]
    fn strips_are_aligned_and_small_work_stays_on_one_thread() {
        for b in blocks(64, 4096, 4096, 16) {
            assert_eq!(b.cols.start % COL_ALIGN, 0);
            assert_eq!(b.rows, 0..64, "columns alone feed 16 threads here");
        }
        assert_eq!(
            blocks(1, 64, 128, 16).len(),
            1,
            "8 K MACs: not worth a thread"
        );
        assert_eq!(blocks(1, 1024, 1024, 2).len(), 2, "b = 1 runs parallel too");
        let last = blocks(1000, 1024, 10, 4);
        assert_eq!(last.len(), 4, "a 10-wide layer splits its rows");
    }
}
