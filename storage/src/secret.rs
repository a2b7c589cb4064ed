//! The server secret (server only): 32 random bytes the server keeps beside
//! its database and never shows. It keys the hashes of short secrets (transfer
//! codes: about 2^40 values, which a bare hash of a leaked database would give
//! away in hours) and signs what the server puts into URLs for itself (form
//! errors), so that neither can be made without it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of the secret.
pub const SECRET_BYTES: usize = 32;

#[derive(Clone, PartialEq, Eq)]
pub struct ServerSecret([u8; SECRET_BYTES]);

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(…)") // never log the secret
    }
}

/// The OS gave no random numbers (secrets, codes and tokens all need them).
#[derive(Debug, thiserror::Error)]
#[error("no random numbers from the OS: {0}")]
pub struct RandomError(#[from] getrandom::Error);

impl ServerSecret {
    pub fn from_bytes(bytes: [u8; SECRET_BYTES]) -> Self {
        ServerSecret(bytes)
    }

    /// A fresh secret from the OS.
    pub fn generate() -> Result<Self, RandomError> {
        let mut bytes = [0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(ServerSecret(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; SECRET_BYTES] {
        &self.0
    }

    /// HMAC-SHA256 of `parts` under this secret, each part prefixed with its
    /// length, so that ("ab", "c") and ("a", "bc") never share a tag. `domain`
    /// names what is hashed: a tag made for one use is worthless for another.
    pub fn tag(&self, domain: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.mac();
        for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Whether `tag` is this secret's tag of `parts` (compared in constant time).
    pub fn verify(&self, domain: &str, parts: &[&[u8]], tag: &[u8]) -> bool {
        let mut mac = self.mac();
        for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.verify_slice(tag).is_ok()
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!())
    }
}

/// Lowercase hex of `bytes` (tags in URLs).
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lowercase or uppercase hex; `None` for anything else.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_depend_on_the_secret_the_domain_and_the_split() {
        let a = ServerSecret::from_bytes([1; 32]);
        let b = ServerSecret::from_bytes([2; 32]);
        let tag = a.tag("code", &[b"ABCDEFGH"]);
        assert!(a.verify("code", &[b"ABCDEFGH"], &tag));
        assert!(!b.verify("code", &[b"ABCDEFGH"], &tag), "another secret");
        assert!(!a.verify("error", &[b"ABCDEFGH"], &tag), "another use");
        assert_ne!(a.tag("x", &[b"ab", b"c"]), a.tag("x", &[b"a", b"bc"]));
        assert!(!a.verify("code", &[b"ABCDEFGH"], &tag[..31]));
    }

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(from_hex(&to_hex(&bytes)).as_deref(), Some(&bytes[..]));
        for bad in ["0", "zz", "é1", "0g"] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        assert_eq!(
            format!("{:?}", ServerSecret::from_bytes([7; 32])),
            "ServerSecret(…)"
        );
    }
}
