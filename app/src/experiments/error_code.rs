//! Why a plain form post was sent back to `/lab`, as a code in the URL
//! (`?error=limit&field=n`) instead of text: the page shows its own message for
//! a known code and nothing for anything else, so a crafted link cannot make
//! the site display words of an attacker's choosing.

#[cfg(feature = "ssr")]
use lab_types::LabError;

/// The code that stands for this refusal in a URL.
#[cfg(feature = "ssr")]
pub fn code(e: &LabError) -> &'static str {
    match e {
        LabError::InvalidParam { field, .. } if field == "prediction" => "prediction",
        LabError::InvalidParam { message, .. } if message == lab_types::LOOP_STYLES_NEED_A_GPU => {
            "loop-needs-gpu"
        }
        LabError::InvalidParam { .. } | LabError::Request(_) => "invalid",
        LabError::LimitExceeded { .. } => "limit",
        LabError::NoGpuVisible(_) => "no-gpu",
        LabError::QueueFull { .. } | LabError::QueueTimeout { .. } | LabError::ShuttingDown => {
            "busy"
        }
        LabError::TooManyJobs { .. } => "yours-busy",
        LabError::NetworkBusy { .. } => "network-busy",
        LabError::TooFast { .. } => "too-fast",
        LabError::Cancelled => "cancelled",
        LabError::DeviceTimeout { .. } => "device-timeout",
        LabError::WorkerUnavailable(_) => "no-worker",
        LabError::NotFound | LabError::TurnedOff(_) | LabError::Internal { .. } => "failed",
    }
}

/// The query (`error=…[&field=…]`) that stands for this refusal.
#[cfg(feature = "ssr")]
pub fn to_query(e: &LabError) -> String {
    let code = code(e);
    match e.field().and_then(label) {
        Some(_) => format!("error={code}&field={}", e.field().unwrap_or_default()),
        None => format!("error={code}"),
    }
}

/// What a field is called on the page; `None` for names the panel does not have.
fn label(field: &str) -> Option<&'static str> {
    Some(match field {
        "action" => "the button",
        "model" => "the model",
        "n" => "the number of items (n)",
        "b" | "batch" => "the batch size (b)",
        "device" => "the device",
        "threads" | "cpu_threads" => "the CPU threads",
        "repeats" => "the repeats",
        "warmup" => "the warm-up runs",
        "kernel" => "the kernel",
        "loop_style" => "the GPU loop style",
        "visible_devices" => "the visible devices",
        _ => return None,
    })
}

/// The page's message for `code` (and `field`); `None` for unknown codes.
pub fn message(code: &str, field: Option<&str>) -> Option<String> {
    let what = field.and_then(label);
    Some(match code {
        "invalid" => match what {
            Some(w) => format!("Check {w}: its value is not valid."),
            None => "Check the settings: a value is not valid.".into(),
        },
        "limit" => match what {
            Some(w) => format!(
                "{} is over this server's limit; try a smaller value.",
                capital(w)
            ),
            None => "The experiment is larger than this server allows; try smaller values.".into(),
        },
        "prediction" => {
            "Make your prediction first: a number in the allowed range, or “I don't know”.".into()
        }
        "loop-needs-gpu" => "Loop styles are how the GPU loop hands its batches to the device: compare them on the GPU or both, not the CPU alone.".into(),
        "no-gpu" => "No GPU is visible on this server; run it on the CPU.".into(),
        "busy" => {
            "The lab is busy: too many experiments are waiting. Try again in a minute.".into()
        }
        "yours-busy" => "You already have an experiment running and one waiting: let one finish first.".into(),
        "network-busy" => "Your network already has its share of experiments running or waiting: let one finish first.".into(),
        "too-fast" => "Too many requests from your network in a short time: wait a minute, then try again.".into(),
        "no-worker" => "No lab worker could run this: none is running, or the one running it stopped answering twice. Try again in a minute, or ask your teacher to check the lab workers.".into(),
        "device-timeout" => {
            "The GPU stopped answering, so the experiment was stopped; the next one opens the device afresh.".into()
        }
        "cancelled" => "The experiment was cancelled.".into(),
        "failed" => {
            "The experiment failed on the server; the details are in the server log.".into()
        }
        _ => return None,
    })
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "ssr")]
    use lab_types::LabError;

    #[cfg(feature = "ssr")]
    #[test]
    fn refusals_become_codes_with_their_field() {
        let e = LabError::LimitExceeded {
            field: "n".into(),
            message: "<script>".into(),
        };
        assert_eq!(to_query(&e), "error=limit&field=n");
        assert_eq!(
            to_query(&LabError::invalid("evil<b>", "x")),
            "error=invalid"
        );
        assert_eq!(to_query(&LabError::internal("disk")), "error=failed");
        let cpu_only = LabError::invalid("device", lab_types::LOOP_STYLES_NEED_A_GPU);
        assert_eq!(to_query(&cpu_only), "error=loop-needs-gpu&field=device");
        assert!(message("loop-needs-gpu", Some("device"))
            .unwrap()
            .contains("not the CPU alone"));
    }

    #[test]
    fn only_known_codes_have_a_message() {
        assert!(message("limit", Some("n")).unwrap().contains("(n)"));
        assert_eq!(
            message("invalid", Some("<b>hi</b>")).unwrap(),
            "Check the settings: a value is not valid."
        );
        assert_eq!(message("Your account is locked, call 555", None), None);
    }
}
