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
        LabError::LimitExceeded { field, .. } => match field.as_str() {
            "source" => "too-long",
            "workgroup_size" => "workgroup",
            "dispatch" => "dispatch",
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
        LabError::TooFast { .. } => "too-fast",
        LabError::DeviceTimeout { .. } => "device-timeout",
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
        "limit" => "The kernel asks for more than this server allows.",
        "empty" => "The kernel is empty: write one in the editor.",
        "name" => "A name has at most 40 characters.",
        "invalid" => "The form could not be read; reload the page and try again.",
        "no-gpu" => "No GPU is visible on this server, so kernels cannot run.",
        "busy" => "The lab is busy: too many jobs are waiting. Try again in a minute.",
        "yours-busy" => "You already have a job running and one waiting: let one finish first.",
        "network-busy" => "Your network already has its share of jobs running or waiting: let one finish first.",
        "too-fast" => "Too many kernels from your network in a short time: wait a minute, then try again.",
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
}
