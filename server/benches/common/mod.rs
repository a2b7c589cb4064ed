//! What the load benches share: starting the real binary and waiting until
//! it serves, a free port, and how latencies are summarised.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Starts `server` (the binary, its environment set) and returns once it
/// prints that it is serving.
pub fn start_serving(server: &mut Command) -> Child {
    start_saying(server, "serving on")
}

/// Starts `program` and returns once the first line it prints contains `says`.
pub fn start_saying(program: &mut Command, says: &str) -> Child {
    let mut child = program
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the program");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains(says), "{line}");
    child
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `p` quantile of `sorted` (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The bytes of a hex cookie token.
#[allow(dead_code)] // each bench compiles this module; not all read cookies
pub fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect()
}
