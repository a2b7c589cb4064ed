//! Why a plain form post was sent back to a puzzle page, as a code in its URL
//! (`?error=too-long`): the page shows its own text for a known code and
//! nothing for anything else, so a crafted link cannot put words on the page.

#[cfg(feature = "ssr")]
use lab_types::LabError;

/// The puzzle's page (ids are content's `a-z0-9-`; anything else goes to the index).
#[cfg(feature = "ssr")]
pub fn page_path(id: &str) -> String {
    let safe = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if safe {
        format!("/puzzles/{id}")
    } else {
        "/puzzles".into()
    }
}

#[cfg(feature = "ssr")]
pub fn to_query(e: &LabError) -> String {
    let code = match e {
        LabError::LimitExceeded { field, message } => match field.as_str() {
            "source" => "too-long",
            "workgroup_size" if message.contains("one-dimensional") => "one-dimensional",
            "workgroup_size" if message.contains("z must be 1") => "two-dimensional",
            "workgroup_size" => "workgroup",
            "dispatch" => "dispatch",
            "array_size" => "array-size",
            "nesting" => "nesting",
            "size" | "calls" | "functions" | "expressions" => "size",
            "work" => "work",
            "memory" => "memory",
            "deadline" => "deadline",
            "sandbox" => "sandbox",
            _ => "limit",
        },
        LabError::InvalidParam { field, .. } if field == "source" => "empty",
        LabError::InvalidParam { field, .. } if field == "name" => "name",
        LabError::InvalidParam { .. } | LabError::Request(_) | LabError::NotFound => "invalid",
        LabError::NoGpuVisible(_) => "no-gpu",
        LabError::QueueFull { .. } | LabError::QueueTimeout { .. } | LabError::ShuttingDown => {
            "busy"
        }
        LabError::TooManyJobs { .. } => "yours-busy",
        LabError::NetworkBusy { .. } => "network-busy",
        LabError::TooFast { what, .. } if what == crate::learner::NEW_LEARNERS => "new-learners",
        LabError::TooFast { .. } => "too-fast",
        LabError::DeviceTimeout { .. } => "device-timeout",
        LabError::WorkerUnavailable(_) => "no-worker",
        LabError::TurnedOff(_) => "off",
        LabError::Cancelled | LabError::Internal { .. } => "failed",
    };
    format!("error={code}")
}

/// The page's text for `code`; `None` for unknown codes.
pub fn message(code: &str) -> Option<&'static str> {
    Some(match code {
        "too-long" => "The kernel is longer than this server accepts (16 KiB); shorten it.",
        "workgroup" => "The workgroup is too large: at most 256 invocations (x × y × z) are allowed.",
        "dispatch" => "The workgroup is too small for the largest size: it would need more than 65 535 workgroups along one dimension. Use a larger @workgroup_size.",
        "one-dimensional" => "This puzzle is one-dimensional: it launches workgroups along x only, so write @workgroup_size(x) with y and z left at 1.",
        "two-dimensional" => "This puzzle launches a two-dimensional grid: the workgroup's z must be 1.",
        "array-size" => "An array in the kernel is too large (at most 16 384 values per array type), or its size is not a plain number or named integer constant.",
        "nesting" => "The kernel nests brackets too deeply (at most 64 levels).",
        "size" => "With its function calls written out, the kernel is too large: call helpers fewer times, or loop instead.",
        "work" => "At the largest size this kernel could do more work than one launch may: make the loop bodies smaller or the loops fewer.",
        "memory" => "The kernel uses too much memory: at most 8 KiB of private and function variables per invocation and 16 KiB of workgroup memory.",
        "deadline" => "The kernel took longer than this server allows, so its sandbox process was stopped and replaced: make it do less work.",
        "sandbox" => "The kernel ended its sandbox process (too much memory, or a driver crash); a fresh one was started.",
        "limit" => "The kernel asks for more than this server allows.",
        "empty" => "The kernel is empty: write one in the editor.",
        "name" => "A name has at most 40 characters.",
        "invalid" => "The form could not be read; reload the page and try again.",
        "no-gpu" => "No GPU is visible on this server, so kernels cannot run.",
        "busy" => "The lab is busy: too many jobs are waiting. Try again in a minute.",
        "yours-busy" => "You already have a job running and one waiting: let one finish first.",
        "network-busy" => "Your network already has its share of jobs running or waiting: let one finish first.",
        "too-fast" => "Too many kernels from your network in a short time: wait a minute, then try again.",
        "new-learners" => "Too many new browsers came from your network in a short time: wait a minute, then try again.",
        "no-worker" => "No lab worker could run this: none is running, or the one running it stopped answering twice. Try again in a minute, or ask your teacher to check the lab workers.",
        "device-timeout" => "The GPU did not finish within the time limit, so the kernel was stopped; the device is opened afresh for the next one.",
        "off" => "The kernel playground is turned off on this server.",
        "failed" => "The kernel could not be run because of a failure on the server; the details are in the server log.",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    #[test]
    fn only_safe_ids_make_a_page_path() {
        assert_eq!(page_path("tiled-matmul"), "/puzzles/tiled-matmul");
        assert_eq!(page_path("//evil.example"), "/puzzles");
        assert_eq!(page_path(""), "/puzzles");
    }

    #[test]
    fn only_known_codes_have_a_message() {
        assert!(message("dispatch").unwrap().contains("workgroup"));
        assert_eq!(message("<script>"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn every_refusal_of_a_kernel_has_its_own_message() {
        let fields = [
            "source",
            "workgroup_size",
            "dispatch",
            "array_size",
            "nesting",
            "size",
            "calls",
            "functions",
            "expressions",
            "work",
            "memory",
            "deadline",
            "sandbox",
        ];
        let mut seen = std::collections::HashSet::new();
        for field in fields {
            let e = LabError::LimitExceeded {
                field: field.into(),
                message: String::new(),
            };
            let query = to_query(&e);
            let code = query.strip_prefix("error=").unwrap();
            assert!(message(code).is_some(), "{field} → {code}");
            assert_ne!(code, "limit", "{field} has only the generic message");
            seen.insert(code.to_string());
        }
        assert!(seen.len() >= 10);
        for (message_text, code) in [
            ("this puzzle is one-dimensional", "one-dimensional"),
            ("so z must be 1", "two-dimensional"),
        ] {
            let e = LabError::LimitExceeded {
                field: "workgroup_size".into(),
                message: message_text.into(),
            };
            assert_eq!(to_query(&e), format!("error={code}"));
        }
        for e in [
            LabError::NetworkBusy {
                jobs: 4,
                retry_after_s: 1,
            },
            LabError::TooFast {
                what: "kernels".into(),
                retry_after_s: 1,
            },
            LabError::TooFast {
                what: crate::learner::NEW_LEARNERS.into(),
                retry_after_s: 1,
            },
        ] {
            let query = to_query(&e);
            assert!(
                message(query.strip_prefix("error=").unwrap()).is_some(),
                "{e:?}"
            );
        }
    }
}
