//! One LISTEN connection per process and channel (PostgreSQL): notifications
//! only wake readers early. Those sent while the connection is re-opened are
//! lost, which is why every reader also polls.

use std::time::Duration;

use lab_storage::db::Db;
use sqlx::postgres::PgListener;
use tokio::sync::watch;

/// How long a lost listening connection waits before it is opened again.
const RECONNECT: Duration = Duration::from_secs(1);

/// Calls `on` with the payload of every notification on `channel` until
/// `stopping` turns true. Nothing on SQLite (one process is the whole lab).
pub(crate) fn spawn(
    db: &Db,
    channel: &'static str,
    on: impl Fn(&str) + Send + 'static,
    mut stopping: watch::Receiver<bool>,
) {
    let Db::Postgres(pool) = db.clone() else {
        return;
    };
    tokio::spawn(async move {
        while !*stopping.borrow() {
            match PgListener::connect_with(&pool).await {
                Ok(mut listener) => match listener.listen(channel).await {
                    Ok(()) => loop {
                        tokio::select! {
                            n = listener.recv() => match n {
                                Ok(n) => on(n.payload()),
                                Err(e) => {
                                    tracing::warn!(channel, error = %e, "listening connection lost");
                                    break;
                                }
                            },
                            _ = stopping.wait_for(|s| *s) => return,
                        }
                    },
                    Err(e) => tracing::warn!(channel, error = %e, "LISTEN failed"),
                },
                Err(e) => tracing::warn!(channel, error = %e, "no listening connection"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RECONNECT) => {}
                _ = stopping.wait_for(|s| *s) => return,
            }
        }
    });
}
