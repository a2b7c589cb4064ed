//! What the accept loop knows about a request's connection, handed to the
//! layers as a request extension (beside axum's `ConnectInfo` with the peer).

use std::net::SocketAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection {
    /// The address the connection came in on: its port is the served port
    /// the `Host` allowlist compares with.
    pub local: SocketAddr,
    /// Accepted while the server was near its connection cap: every request
    /// on it but `/healthz` is answered 503 (see [`super::busy`]).
    pub busy: bool,
}
