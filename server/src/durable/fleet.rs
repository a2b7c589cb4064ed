//! The live lab workers as this web instance last read them from
//! `lab_workers`, with the catalog each advertises (its adapters, limits and
//! visibility setting): what requests are validated against and devices
//! listed from, on a host that has no GPU of its own.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use lab_engine::Catalog;
use lab_storage::db::{now_ms, Db};
use lab_storage::jobs::Needs;
use lab_storage::workers::{self, LiveWorker};

/// A worker is live while its last heartbeat is this recent.
pub(crate) const LIVE_WITHIN: Duration = Duration::from_secs(10);
/// How old the list may be when a request needs it.
const FRESH: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub(crate) struct Offer {
    pub worker: LiveWorker,
    pub catalog: Catalog,
}

struct Snapshot {
    offers: Vec<Offer>,
    read: Option<Instant>,
}

pub(crate) struct Fleet {
    db: Db,
    snapshot: RwLock<Snapshot>,
}

impl Fleet {
    pub(crate) fn new(db: Db) -> Arc<Self> {
        Arc::new(Fleet {
            db,
            snapshot: RwLock::new(Snapshot {
                offers: Vec::new(),
                read: None,
            }),
        })
    }

    /// The live workers, read again when the last read is older than a second.
    pub(crate) async fn offers(&self) -> Vec<Offer> {
        let stale = self
            .snapshot
            .read()
            .map(|s| s.read.is_none_or(|t| t.elapsed() > FRESH))
            .unwrap_or(true);
        if stale {
            self.refresh().await;
        }
        self.cached()
    }

    /// The live workers, read again when none of the last list could serve
    /// `needs`: a learner is refused only on a fresh read.
    pub(crate) async fn offers_for(&self, needs: Needs) -> Vec<Offer> {
        let offers = self.offers().await;
        if can_serve(&offers, needs) {
            return offers;
        }
        self.refresh().await;
        self.cached()
    }

    /// The last list read (never waits: for the lab's synchronous answers).
    pub(crate) fn cached(&self) -> Vec<Offer> {
        self.snapshot
            .read()
            .map(|s| s.offers.clone())
            .unwrap_or_default()
    }

    async fn refresh(&self) {
        let now = self.db.clock_ms().await.unwrap_or_else(|_| now_ms());
        let live = match workers::live(&self.db, now, LIVE_WITHIN.as_millis() as i64).await {
            Ok(live) => live,
            Err(e) => {
                tracing::warn!(error = %e, "reading the lab workers failed");
                return;
            }
        };
        let offers = live
            .into_iter()
            .filter_map(|worker| match serde_json::from_str(&worker.limits) {
                Ok(catalog) => Some(Offer { worker, catalog }),
                Err(e) => {
                    tracing::warn!(worker = %worker.id, error = %e, "a worker's catalog is unreadable");
                    None
                }
            })
            .collect();
        if let Ok(mut s) = self.snapshot.write() {
            *s = Snapshot {
                offers,
                read: Some(Instant::now()),
            };
        }
    }
}

/// The catalog requests are checked against: the first live worker offering
/// a GPU when one is needed (workers check again when they claim), else the
/// first live one.
pub(crate) fn catalog_for(offers: &[Offer], gpu: bool) -> Option<&Catalog> {
    offers
        .iter()
        .find(|o| o.worker.has_gpu || !gpu)
        .map(|o| &o.catalog)
}

/// Whether some live worker can run a job that `needs` these devices.
pub(crate) fn can_serve(offers: &[Offer], needs: Needs) -> bool {
    let live: Vec<LiveWorker> = offers.iter().map(|o| o.worker.clone()).collect();
    workers::can_serve(&live, needs)
}
