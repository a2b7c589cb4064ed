//! Accepts connections and serves them with hyper's HTTP/1 builder and a timer:
//! a client that does not finish its request headers in time is disconnected.
//!
//! At most `max_connections` are served at once: a semaphore permit is taken
//! before `accept`, so further clients wait in the kernel's listen backlog
//! instead of each costing a task and a file descriptor. On shutdown the
//! listener closes and the connections in flight finish their requests.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::settings::EdgeSettings;

/// How long requests in flight may take to finish once shutdown begins (a
/// plain form waiting for its run is answered with an error before this).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: &EdgeSettings,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout())
        .keep_alive(true);
    let permits = Arc::new(Semaphore::new(settings.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
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
        // What axum's `into_make_service_with_connect_info` does: the peer's
        // address travels with each request (fair shares of cookieless clients).
        let service = TowerToHyperService::new(tower::ServiceExt::map_request(
            router.clone(),
            move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        ));
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
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
