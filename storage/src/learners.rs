//! Anonymous learners in the database: a random 128-bit token per browser, of
//! which only the SHA-256 is stored, so a leaked database does not let anyone
//! act as a learner. (The cookie that carries the token is the app's.)

use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use crate::secret::RandomError;

const TOKEN_BYTES: usize = 16;

/// Browsers one learner may use at once besides the first; the oldest goes first.
pub const MAX_DEVICES: i64 = 10;

/// The secret a learner's browser holds; only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct LearnerToken([u8; TOKEN_BYTES]);

impl std::fmt::Debug for LearnerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LearnerToken(…)") // never log the secret
    }
}

impl LearnerToken {
    pub fn generate() -> Result<Self, RandomError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// Parses the cookie value: exactly 32 lowercase hex digits.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != TOKEN_BYTES * 2
            || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return None;
        }
        let mut bytes = [0u8; TOKEN_BYTES];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(bytes))
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What the database stores and looks up.
    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0).to_vec()
    }
}

/// The learner this token belongs to: its first browser's, or one it moved
/// to with a transfer code.
pub async fn find_learner(
    pool: &SqlitePool,
    token: &LearnerToken,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar::<_, i64>(
        "SELECT id FROM learners WHERE token_hash = ?1
         UNION ALL SELECT learner_id FROM learner_devices WHERE token_hash = ?1
         LIMIT 1",
    )
    .bind(token.hash())
    .fetch_optional(pool)
    .await
}

pub async fn create_learner(pool: &SqlitePool, token: &LearnerToken) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("INSERT INTO learners (token_hash) VALUES (?) RETURNING id")
        .bind(token.hash())
        .fetch_one(pool)
        .await
}

/// Gives learner `id` the new `token`: its old one and every browser it moved
/// to stop working (a reset makes a leaked old cookie worthless).
pub async fn replace_token(
    pool: &SqlitePool,
    id: i64,
    token: &LearnerToken,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE learners SET token_hash = ? WHERE id = ?")
        .bind(token.hash())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM learner_devices WHERE learner_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Lets one more browser token (its hash) act as this learner, keeping the
/// newest [`MAX_DEVICES`].
pub async fn add_device(pool: &SqlitePool, id: i64, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO learner_devices (token_hash, learner_id) VALUES (?, ?)")
        .bind(token_hash)
        .bind(id)
        .execute(pool)
        .await?;
    sqlx::query(
        "DELETE FROM learner_devices WHERE learner_id = ?1 AND rowid NOT IN
         (SELECT rowid FROM learner_devices WHERE learner_id = ?1 ORDER BY rowid DESC LIMIT ?2)",
    )
    .bind(id)
    .bind(MAX_DEVICES)
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trips_through_hex() {
        let token = LearnerToken::generate().unwrap();
        let hex = token.to_hex();
        assert_eq!(hex.len(), 32);
        assert_eq!(LearnerToken::parse(&hex), Some(token.clone()));
        assert_ne!(
            LearnerToken::generate().unwrap(),
            token,
            "tokens are random"
        );
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        for bad in [
            "".to_string(),
            "abc".into(),
            "g".repeat(32),
            "A".repeat(32),
            "0".repeat(33),
            "é".repeat(16),
        ] {
            assert!(LearnerToken::parse(&bad).is_none(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_replaced_token_no_longer_finds_the_learner() {
        let (pool, _dir) = crate::test_db::test_pool().await;
        let old = LearnerToken::generate().unwrap();
        let id = create_learner(&pool, &old).await.unwrap();
        let moved = LearnerToken::generate().unwrap();
        add_device(&pool, id, &moved.hash()).await.unwrap();
        assert_eq!(find_learner(&pool, &moved).await.unwrap(), Some(id));

        let new = LearnerToken::generate().unwrap();
        replace_token(&pool, id, &new).await.unwrap();
        assert_eq!(find_learner(&pool, &new).await.unwrap(), Some(id));
        assert_eq!(find_learner(&pool, &old).await.unwrap(), None);
        assert_eq!(find_learner(&pool, &moved).await.unwrap(), None);
    }
}
