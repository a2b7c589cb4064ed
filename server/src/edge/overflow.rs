//! Past the connection cap a new connection is not left in the listen backlog
//! (where a browser waits, unanswered, for as long as the slow clients ahead of
//! it hold their places): it is answered a minimal 503 with `Retry-After` and
//! closed, without reading its request. The answers in progress are bounded
//! (beyond [`MAX_ANSWERING`] a connection is closed unanswered) and so is
//! each one's time ([`ANSWER_DEADLINE`]), so a flood of connections costs a
//! bounded number of descriptors.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::busy::{BUSY_TEXT, RETRY_AFTER_S};

/// Connections being answered 503 at once, at most.
pub const MAX_ANSWERING: usize = 64;
/// Writing the answer, and waiting for the client to stop sending, at most.
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(2);
/// Bytes of the unread request drained before closing, at most: closing a
/// socket with unread input resets it, and a reset can make the client drop
/// the answer before reading it.
const DRAIN_BYTES: usize = 16 * 1024;

static RESPONSE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    format!(
        "HTTP/1.1 503 Service Unavailable\r\n\
         Retry-After: {RETRY_AFTER_S}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\n\
         X-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: {}\r\n\
         Connection: close\r\n\r\n{BUSY_TEXT}",
        BUSY_TEXT.len(),
        app::request::csp::NON_PAGE_POLICY,
    )
    .into_bytes()
});

#[derive(Debug, Clone)]
pub struct Overflow {
    answering: Arc<Semaphore>,
}

impl Default for Overflow {
    fn default() -> Self {
        Overflow {
            answering: Arc::new(Semaphore::new(MAX_ANSWERING)),
        }
    }
}

impl Overflow {
    /// Answers 503 and closes, in the background; closes at once when
    /// [`MAX_ANSWERING`] answers are already under way.
    pub fn answer(&self, stream: TcpStream) {
        let Ok(permit) = self.answering.clone().try_acquire_owned() else {
            return; // dropping the stream closes it
        };
        tokio::spawn(async move {
            let _ = tokio::time::timeout(ANSWER_DEADLINE, answer_and_close(stream)).await;
            drop(permit);
        });
    }
}

async fn answer_and_close(mut stream: TcpStream) -> std::io::Result<()> {
    stream.write_all(&RESPONSE).await?;
    stream.shutdown().await?;
    let mut buf = [0u8; 4096];
    let mut drained = 0;
    while drained < DRAIN_BYTES {
        match stream.read(&mut buf).await? {
            0 => break,
            n => drained += n,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_a_complete_response() {
        let text = String::from_utf8(RESPONSE.clone()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())));
        assert!(head.contains("\r\nRetry-After: "));
    }
}
