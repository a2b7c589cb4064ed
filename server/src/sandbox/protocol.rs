//! What the web process and a sandbox process say to each other: one JSON
//! object per line, requests on the child's stdin, replies on its stdout.
//! Lines are bounded on both sides, so neither can make the other buffer
//! without end.

use std::io::{self, BufRead, Write};

use lab_engine::playground::KernelLimits;
use lab_types::{CompileError, LabError, PuzzleOutcome, PuzzleTask};
use serde::{Deserialize, Serialize};

/// Longest request line: a 16 KiB kernel, JSON-escaped (at most 6 bytes per
/// byte), plus its task.
pub const MAX_REQUEST_LINE: usize = 128 * 1024;
/// Longest reply line: an outcome with its checks, timings and a compile
/// error (whose message the child cuts to [`MAX_MESSAGE_CHARS`]).
pub const MAX_REPLY_LINE: usize = 256 * 1024;
/// Longest compile-error message passed on (naga quotes source lines, and a
/// 16 KiB line quoted three times is not a message a learner reads).
pub const MAX_MESSAGE_CHARS: usize = 4 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// Parse, validate and bound a kernel (no device needed).
    Check {
        task: PuzzleTask,
        limits: KernelLimits,
    },
    /// Everything `Check` does, then compile it on the GPU and run it.
    Run { task: PuzzleTask },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The process is up (and, for a runner, its device is open).
    Ready {
        adapter: Option<String>,
    },
    Checked(Result<Option<CompileError>, LabError>),
    Ran(Result<PuzzleOutcome, LabError>),
}

/// Writes one message as a line and flushes it.
pub fn write_line<T: Serialize>(out: &mut impl Write, message: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Reads one line of at most `max` bytes (without its newline); `Ok(None)`
/// at end of input. A longer line is an error, not a partial read.
pub fn read_line<R: BufRead>(input: &mut R, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut limited = io::Read::take(&mut *input, max as u64 + 1);
    let read = limited.read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    } else if line.len() > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {max} bytes"),
        ));
    }
    Ok(Some(line))
}

/// A compile error's message cut to [`MAX_MESSAGE_CHARS`] characters.
pub fn cut_message(mut e: CompileError) -> CompileError {
    if e.message.chars().count() > MAX_MESSAGE_CHARS {
        e.message = e
            .message
            .chars()
            .take(MAX_MESSAGE_CHARS)
            .collect::<String>()
            + " …";
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_long_lines_are_refused() {
        let mut buf = Vec::new();
        write_line(&mut buf, &Reply::Ready { adapter: None }).unwrap();
        write_line(
            &mut buf,
            &Reply::Ready {
                adapter: Some("x".into()),
            },
        )
        .unwrap();
        let mut input = io::Cursor::new(buf);
        for _ in 0..2 {
            let line = read_line(&mut input, 100).unwrap().unwrap();
            assert!(serde_json::from_slice::<Reply>(&line).is_ok());
        }
        assert!(read_line(&mut input, 100).unwrap().is_none());
        let long = io::Cursor::new(vec![b'a'; 101]);
        assert!(read_line(&mut { long }, 100).is_err());
    }

    #[test]
    fn long_messages_are_cut() {
        let e = cut_message(CompileError {
            line: Some(1),
            column: None,
            message: "é".repeat(3 * MAX_MESSAGE_CHARS),
        });
        assert_eq!(e.message.chars().count(), MAX_MESSAGE_CHARS + 2);
    }
}
