//! Accepts connections and serves them with hyper's HTTP/1 builder and a timer:
//! a client that does not finish its request headers in time is disconnected.
//!
//! Every connection is accepted at once, so none waits unanswered in the
//! kernel's listen backlog; [`Admission`] then decides whether it is served,
//! served busy (503 but `/healthz`), answered a minimal 503 past the cap, or,
//! when its client already holds its share of connections, closed at once.
//! On shutdown the listener closes and the connections in flight finish their
//! requests.

use std::future::Future;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use super::admission::{Admission, Decision};
use super::connection::Connection;
use super::overflow::{Overflow, MAX_ANSWERING};
use crate::settings::EdgeSettings;

/// How long requests in flight may take to finish once shutdown begins (a
/// plain form waiting for its run is answered with an error before this).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// Descriptors kept for everything but connections (the database, the
/// kernel sandboxes' pipes, files served from disk).
const OTHER_FILES: usize = 128;

pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &EdgeSettings,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    check_open_files(settings.max_connections);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout())
        .keep_alive(true);
    let admission = Admission::new(
        settings.max_connections,
        settings.max_connections_per_client,
        std::sync::Arc::new(settings.trusted_proxies.clone()),
    );
    let overflow = Overflow::default();
    let listening = listener.local_addr()?;
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let slot = match admission.admit(peer.ip()) {
            Decision::Serve(slot) => slot,
            Decision::Overflow => {
                overflow.answer(stream);
                continue;
            }
            // Dropping the stream closes it: no place, no task, no backlog.
            Decision::ClientFull => continue,
        };
        let connection = Connection {
            local: stream.local_addr().unwrap_or(listening),
            busy: slot.busy(),
        };
        // What axum's `into_make_service_with_connect_info` does: the peer's
        // address travels with each request (the edge resolves the client
        // from it), and so does what the accept loop knows.
        let service = TowerToHyperService::new(tower::ServiceExt::map_request(
            router.clone(),
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.extensions_mut().insert(connection);
                request
            },
        ));
        let served = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = served.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still running after the shutdown grace period");
        }
    }
    Ok(())
}

/// Raises the open-files limit and says when it still cannot hold the
/// connection cap.
fn check_open_files(max_connections: usize) {
    let Some(files) = super::fd_limit::raise_to_hard_limit() else {
        return;
    };
    let needed = max_connections + MAX_ANSWERING + OTHER_FILES;
    if (files as usize) < needed {
        tracing::warn!(
            open_files = files,
            needed,
            "the open-files limit is below what LAB_MAX_CONNECTIONS needs: raise the \
             hard limit (ulimit -Hn, LimitNOFILE=) or lower LAB_MAX_CONNECTIONS"
        );
    } else {
        tracing::debug!(open_files = files, "open-files limit");
    }
}
