//! The edge against hostile clients, over real sockets: DNS rebinding (the
//! `Host` allowlist), slow bodies, one address hoarding connections, the
//! server near its connection cap, forwarded client addresses, and the
//! headers of pages that hold secrets.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, HOST, ORIGIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{
    behind_proxy, client_at, forwarded_client, spawn_app, spawn_changed, TestApp,
};

/// Every wait on a socket ends after this.
const SOCKET_WAIT: Duration = Duration::from_secs(10);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A connection from `local` (a loopback address) to the app.
async fn connect_from(app: &TestApp, local: IpAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind((local, 0).into()).unwrap();
    tokio::time::timeout(SOCKET_WAIT, socket.connect(app.addr))
        .await
        .expect("connected in time")
        .expect("connected")
}

/// Everything the server sends until it closes the connection (a reset
/// after its answer counts as closing), or what came before `limit`.
async fn read_until_closed(socket: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(limit, async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&got).into_owned(), closed)
}

#[tokio::test]
async fn only_this_servers_own_names_are_answered() {
    let app = spawn_changed(|s| {
        s.edge.public_origin = Some("http://lab.school.example".parse().unwrap());
    })
    .await;
    let port = app.addr.port();
    let status = |host: String| {
        let request = app
            .client
            .get(app.url("/api/lab/queue"))
            .header(HOST, host)
            .send();
        async move { request.await.unwrap().status() }
    };
    // DNS rebinding: the attacker's name, pointed at this server.
    for host in [
        "rebind.example".to_string(),
        format!("rebind.example:{port}"),
        format!("localhost.rebind.example:{port}"),
        format!("lab.school.example:{port}"),
    ] {
        assert_eq!(
            status(host.clone()).await,
            StatusCode::MISDIRECTED_REQUEST,
            "{host}"
        );
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("lab.localhost:{port}"),
        format!("[::1]:{port}"),
        "lab.school.example".to_string(),
        "lab.school.example:80".to_string(),
    ] {
        assert_eq!(status(host.clone()).await, StatusCode::OK, "{host}");
    }
    // The JSON API says why in JSON; a load balancer's probe still passes.
    let refused = app
        .client
        .post(app.url("/api/experiments"))
        .header(HOST, "rebind.example")
        .json(&json!({ "model": "tiny", "n": 10, "device": "cpu" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST);
    let message: Value = refused.json().await.unwrap();
    assert!(
        message["error"].as_str().unwrap().contains("421"),
        "{message}"
    );
    let health = app
        .client
        .get(app.url("/healthz"))
        .header(HOST, "rebind.example")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    // Behind a proxy that sends its own Host, the public origin is this site.
    let from_public = app
        .client
        .post(app.url("/api/progress/reset"))
        .header(ORIGIN, "http://lab.school.example")
        .header(ACCEPT, "application/json")
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_ne!(from_public.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_body_dribbled_a_byte_a_second_is_cut_off_at_the_body_deadline() {
    let app = spawn_changed(|s| s.edge.body_timeout_s = 2).await;
    let mut socket = connect_from(&app, ip("127.0.0.1")).await;
    let head = format!(
        "POST /api/experiments HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n",
        app.addr
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = socket.into_split();
    let dribble = tokio::spawn(async move {
        for _ in 0..60 {
            if writer.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(SOCKET_WAIT, async {
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    dribble.abort();
    let answer = String::from_utf8_lossy(&got);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(closed, "the connection is closed after the answer");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(5),
        "cut off after {took:?}, for a deadline of 2 s"
    );
}

#[tokio::test]
async fn three_hundred_idle_connections_from_one_address_leave_room_for_others() {
    let app = spawn_app().await;
    let cap = inference_lab::settings::DEFAULT_MAX_CONNECTIONS_PER_CLIENT;
    let mut hoard = Vec::new();
    for _ in 0..300 {
        hoard.push(connect_from(&app, ip("127.0.0.2")).await);
    }
    // The connections over the address's cap are closed at once...
    let reads = hoard.iter_mut().map(|socket| async move {
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(Duration::from_secs(2), socket.read(&mut byte)).await,
            Ok(Ok(0) | Err(_))
        )
    });
    let closed = futures::future::join_all(reads)
        .await
        .into_iter()
        .filter(|c| *c)
        .count();
    assert_eq!(closed, 300 - cap, "closed over the cap of {cap}");
    // ...and another address is served at once, while the others stay open.
    let started = Instant::now();
    let page = client_at(ip("127.0.0.1"))
        .get(app.url("/lab"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("another address gets a page");
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn near_the_connection_cap_new_clients_get_503_with_retry_after_and_healthz_answers() {
    // 21 connections are served normally, 3 more busy, the rest overflow.
    let app = spawn_changed(|s| s.edge.max_connections = 24).await;
    let mut idle = Vec::new();
    for _ in 0..21 {
        idle.push(connect_from(&app, ip("127.0.0.1")).await);
    }
    let request = |path: &str| {
        format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            app.addr
        )
    };
    let mut page = connect_from(&app, ip("127.0.0.1")).await;
    page.write_all(request("/lab").as_bytes()).await.unwrap();
    let (answer, closed) = read_until_closed(&mut page, SOCKET_WAIT).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("\r\nretry-after: "),
        "{answer}"
    );
    assert!(closed);
    // The JSON API says so in JSON.
    let mut api = connect_from(&app, ip("127.0.0.1")).await;
    api.write_all(request("/api/lab/queue").as_bytes())
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut api, SOCKET_WAIT).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("{\"error\":\"503 Service Unavailable"),
        "{answer}"
    );
    let mut health = connect_from(&app, ip("127.0.0.1")).await;
    health
        .write_all(request("/healthz").as_bytes())
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut health, SOCKET_WAIT).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Past the cap: a minimal 503 at once, without waiting for the request.
    let mut past_cap = None;
    for _ in 0..8 {
        let mut socket = connect_from(&app, ip("127.0.0.1")).await;
        let (answer, _) = read_until_closed(&mut socket, Duration::from_millis(500)).await;
        if !answer.is_empty() {
            past_cap = Some(answer);
            break;
        }
        idle.push(socket);
    }
    let answer = past_cap.expect("a connection past the cap is answered");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\r\nRetry-After: "), "{answer}");
}

/// Seconds of CPU work on a small machine: holds its client's share while
/// the test looks.
const SLOW_CPU_RUN: &[(&str, &str)] = &[
    ("action", "cpu"),
    ("model", "large"),
    ("n", "4096"),
    ("b", "256"),
    ("device", "cpu"),
    ("threads", "0"),
    ("repeats", "1"),
];

/// Starts a slow run as `client`: its job id, or the refusal's status.
async fn start(app: &TestApp, client: &reqwest::Client) -> Result<String, StatusCode> {
    let resp = client
        .post(app.url("/api/lab/start"))
        .header(ACCEPT, "application/json")
        .form(SLOW_CPU_RUN)
        .send()
        .await
        .unwrap();
    match resp.status() {
        StatusCode::OK => Ok(resp.json().await.unwrap()),
        status => Err(status),
    }
}

async fn cancel(app: &TestApp, client: &reqwest::Client, id: &str) {
    let resp = client
        .post(app.url("/api/lab/cancel"))
        .header(ACCEPT, "application/json")
        .form(&[("job_id", id)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_forwarded_clients_get_shares_of_their_own() {
    let app = spawn_changed(|s| {
        behind_proxy(s);
        s.lab.client_share = 1;
    })
    .await;
    let (alice, bob) = (
        forwarded_client(ip("198.51.100.1")),
        forwarded_client(ip("2001:db8:1:2::1")),
    );
    let alices = start(&app, &alice).await.expect("Alice's run");
    let bobs = start(&app, &bob).await.expect("Bob is another client");
    // A second browser at Alice's address shares her client's place,
    // and so does another address of Bob's /64.
    let again = forwarded_client(ip("198.51.100.1"));
    assert_eq!(
        start(&app, &again).await,
        Err(StatusCode::TOO_MANY_REQUESTS)
    );
    let bobs_laptop = forwarded_client(ip("2001:db8:1:2::99"));
    assert_eq!(
        start(&app, &bobs_laptop).await,
        Err(StatusCode::TOO_MANY_REQUESTS)
    );
    cancel(&app, &alice, &alices).await;
    cancel(&app, &bob, &bobs).await;
}

#[tokio::test]
async fn without_trusted_proxies_a_forwarding_header_changes_nothing() {
    let app = spawn_changed(|s| s.lab.client_share = 1).await;
    let alice = forwarded_client(ip("198.51.100.1"));
    let alices = start(&app, &alice).await.expect("Alice's run");
    let spoofer = forwarded_client(ip("198.51.100.2"));
    assert_eq!(
        start(&app, &spoofer).await,
        Err(StatusCode::TOO_MANY_REQUESTS)
    );
    cancel(&app, &alice, &alices).await;
}

#[tokio::test]
async fn pages_holding_secrets_are_not_stored_and_teacher_links_not_referred() {
    let app = spawn_app().await;
    let teacher_link = format!("/teach/{}", "5e".repeat(16));
    for path in [teacher_link.as_str(), "/teach", "/transfer", "/progress"] {
        let resp = app.get(path).await;
        let header = |name| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        assert_eq!(header("cache-control"), "no-store", "{path}");
        let referrer = if path.starts_with("/teach/") {
            "no-referrer"
        } else {
            "same-origin"
        };
        assert_eq!(header("referrer-policy"), referrer, "{path}");
    }
    // Other pages may be kept, but are revalidated: never `no-store`.
    let lesson = app.get("/").await;
    let cache = lesson
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(!cache.contains("no-store"), "{cache}");
}
