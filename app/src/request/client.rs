//! Who sent the request, as far as the lab's fair shares need to know (server only).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use leptos::prelude::use_context;

use crate::lab::Owner;

/// The peer address of the connection (the server inserts it per connection).
pub fn client_address() -> IpAddr {
    use_context::<Parts>()
        .and_then(|p| {
            p.extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The learner when the request carries one, else the client's address.
pub fn owner(learner: Option<i64>) -> Owner {
    match learner {
        Some(id) => Owner::Learner(id),
        None => Owner::Address(client_address()),
    }
}
