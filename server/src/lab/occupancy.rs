//! Counts measurements where they actually run (not where the queue thinks
//! they run), so the queue's promise — one measurement per device at a time —
//! can be checked from outside: `/api/lab/queue` reports the peaks.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use super::queue::Needs;

#[derive(Default)]
pub(crate) struct Occupancy {
    started: AtomicU64,
    on_gpu: AtomicUsize,
    on_cpu: AtomicUsize,
    peak_gpu: AtomicUsize,
    peak_cpu: AtomicUsize,
}

/// A measurement in progress; dropping it (when the blocking work returns) frees the devices.
pub(crate) struct Occupied {
    occupancy: Arc<Occupancy>,
    needs: Needs,
}

impl Occupancy {
    pub(crate) fn enter(self: &Arc<Self>, needs: Needs) -> Occupied {
        self.started.fetch_add(1, Ordering::SeqCst);
        if needs.gpu {
            let now = self.on_gpu.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak_gpu.fetch_max(now, Ordering::SeqCst);
        }
        if needs.cpu {
            let now = self.on_cpu.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak_cpu.fetch_max(now, Ordering::SeqCst);
        }
        Occupied {
            occupancy: self.clone(),
            needs,
        }
    }

    /// (measurements started, most ever at once on the GPU, on the CPU)
    pub(crate) fn counts(&self) -> (u64, usize, usize) {
        (
            self.started.load(Ordering::SeqCst),
            self.peak_gpu.load(Ordering::SeqCst),
            self.peak_cpu.load(Ordering::SeqCst),
        )
    }
}

impl Drop for Occupied {
    fn drop(&mut self) {
        if self.needs.gpu {
            self.occupancy.on_gpu.fetch_sub(1, Ordering::SeqCst);
        }
        if self.needs.cpu {
            self.occupancy.on_cpu.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_record_overlap() {
        let o = Arc::new(Occupancy::default());
        let gpu = Needs {
            gpu: true,
            cpu: false,
        };
        let a = o.enter(gpu);
        drop(a);
        let _b = o.enter(gpu);
        assert_eq!(o.counts(), (2, 1, 0));
        let _c = o.enter(Needs {
            gpu: true,
            cpu: true,
        });
        assert_eq!(o.counts(), (3, 2, 1));
    }
}
