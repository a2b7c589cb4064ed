//! The secrets of classes (server only): join codes and transfer codes people
//! type, and the teacher's link secret. Random from the OS; only hashes of the
//! teacher secret and of transfer codes are stored.

use sha2::{Digest, Sha256};

/// No 0/O, 1/I/L: a code read aloud or copied from a projector is typed right.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters of a join or transfer code: 31^8, about 2^40.
pub const CODE_LEN: usize = 8;
const SECRET_BYTES: usize = 32;

pub use crate::secret::RandomError;

/// A fresh code of [`CODE_LEN`] characters from [`ALPHABET`], without modulo bias.
pub fn new_code() -> Result<String, RandomError> {
    let limit = 256 - 256 % ALPHABET.len();
    let mut code = String::with_capacity(CODE_LEN);
    while code.len() < CODE_LEN {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        for b in bytes.into_iter().filter(|&b| (b as usize) < limit) {
            if code.len() < CODE_LEN {
                code.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    Ok(code)
}

/// A typed code in canonical form: spaces and dashes dropped, upper case.
/// `None` unless it is exactly a well-formed code (nothing else reaches the database).
pub fn normalise_code(typed: &str) -> Option<String> {
    if typed.len() > 4 * CODE_LEN {
        return None;
    }
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// How a code is shown: two groups of four (`ABCD-EFGH`).
pub fn display_code(code: &str) -> String {
    if code.len() == CODE_LEN && code.is_ascii() {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

/// The teacher's secret: 256 random bits as 64 lowercase hex digits (URL-safe).
pub fn new_teacher_secret() -> Result<String, RandomError> {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `text` is shaped like a teacher secret (checked before hashing).
pub fn is_teacher_secret(text: &str) -> bool {
    text.len() == SECRET_BYTES * 2 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What the database stores of a secret or a transfer code.
pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_well_formed_and_round_trip() {
        let a = new_code().unwrap();
        assert_eq!(a.len(), CODE_LEN);
        assert_eq!(normalise_code(&a).as_deref(), Some(a.as_str()));
        assert_eq!(
            normalise_code(&display_code(&a).to_lowercase()),
            Some(a.clone())
        );
        assert_ne!(new_code().unwrap(), a);
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in [
            "",
            "ABCD",
            "ABCDEFGH1",
            "ABCDEFG0",
            "ABCDEFGI",
            "ABCD EFGHJ",
            "ÄBCDEFGH",
        ] {
            assert_eq!(normalise_code(bad), None, "{bad:?}");
        }
        assert_eq!(normalise_code(&"A".repeat(1000)), None);
    }

    #[test]
    fn teacher_secrets_are_256_bits_of_hex() {
        let s = new_teacher_secret().unwrap();
        assert!(is_teacher_secret(&s));
        assert!(!is_teacher_secret(&s[1..]));
        assert!(!is_teacher_secret(&s.to_uppercase()));
        assert_eq!(hash(&s).len(), 32);
    }
}
