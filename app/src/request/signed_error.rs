//! Form errors in URLs, signed (server only).
//!
//! Without JavaScript a refused form is sent back to its page with the error
//! in leptos' `__path`/`__err` query parameters, and the page shows it. Any
//! link can carry those parameters, so the server signs the pair it puts
//! there (`__sig`, an HMAC under the server secret) and the edge sends a
//! request whose pair is not signed to the same page without it: a crafted
//! link can show no text of its maker's choosing, on any page, whatever the
//! server function's error type.

use lab_storage::secret::{from_hex, to_hex, ServerSecret};

pub const PATH_PARAM: &str = "__path";
pub const ERROR_PARAM: &str = "__err";
pub const SIG_PARAM: &str = "__sig";
const PARAMS: [&str; 3] = [PATH_PARAM, ERROR_PARAM, SIG_PARAM];
const DOMAIN: &str = "form-error";

/// The signature of a server function path and its encoded error, as sent.
pub fn sign(secret: &ServerSecret, path: &str, error: &str) -> String {
    to_hex(&secret.tag(DOMAIN, &[path.as_bytes(), error.as_bytes()]))
}

/// What to do with a request's query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No error in it, or one this server signed.
    Keep,
    /// An error this server did not sign: the query without it.
    Strip(String),
}

/// Checks a raw query string (without `?`).
pub fn check_query(secret: &ServerSecret, query: &str) -> Verdict {
    let mut found: [Vec<String>; 3] = Default::default();
    for (key, value) in pairs(query) {
        if let Some(i) = PARAMS.iter().position(|p| *p == key) {
            found[i].push(value);
        }
    }
    if found.iter().all(Vec::is_empty) {
        return Verdict::Keep;
    }
    let signed = match &found {
        [path, error, sig] if path.len() == 1 && error.len() == 1 && sig.len() == 1 => {
            from_hex(&sig[0]).is_some_and(|tag| {
                secret.verify(DOMAIN, &[path[0].as_bytes(), error[0].as_bytes()], &tag)
            })
        }
        _ => false,
    };
    if signed {
        Verdict::Keep
    } else {
        Verdict::Strip(without_error(query))
    }
}

/// The raw query without the error parameters (the others untouched).
pub fn without_error(query: &str) -> String {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .filter(|part| {
            let key = part.split('=').next().unwrap_or("");
            !PARAMS.contains(&decode(key).as_str())
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Decoded `key=value` pairs of a form-encoded query.
fn pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|part| {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        (decode(k), decode(v))
    })
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a
/// byte; malformed escapes stay as they are (they then match nothing signed).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> ServerSecret {
        ServerSecret::from_bytes([9; 32])
    }

    #[test]
    fn a_signed_error_is_kept_and_anything_else_is_stripped() {
        let s = secret();
        let sig = sign(&s, "/api/classes/join", "eyJhIjoxfQ==");
        let good = format!("x=1&__path=%2Fapi%2Fclasses%2Fjoin&__err=eyJhIjoxfQ%3D%3D&__sig={sig}");
        assert_eq!(check_query(&s, &good), Verdict::Keep);
        assert_eq!(check_query(&s, "x=1&y=2"), Verdict::Keep);
        assert_eq!(check_query(&s, ""), Verdict::Keep);

        let forged = "x=1&__path=%2Fapi%2Fclasses%2Fjoin&__err=eyJhIjoyfQ%3D%3D";
        assert_eq!(check_query(&s, forged), Verdict::Strip("x=1".into()));
        let other_error = good.replace("eyJhIjoxfQ", "eyJhIjoyfQ");
        assert_eq!(check_query(&s, &other_error), Verdict::Strip("x=1".into()));
        let other_secret = ServerSecret::from_bytes([8; 32]);
        assert_eq!(
            check_query(&other_secret, &good),
            Verdict::Strip("x=1".into())
        );
        let twice = format!("{good}&__err=eyJhIjoyfQ%3D%3D");
        assert_eq!(check_query(&s, &twice), Verdict::Strip("x=1".into()));
        assert_eq!(
            check_query(&s, "%5F%5Ferr=abc&b=%zz"),
            Verdict::Strip("b=%zz".into()),
            "encoded keys count too"
        );
    }

    #[test]
    fn decoding_handles_plus_escapes_and_junk() {
        assert_eq!(decode("a+b%2Fc"), "a b/c");
        assert_eq!(decode("%"), "%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%zz"), "%zz");
        assert_eq!(decode("100%25"), "100%");
    }
}
