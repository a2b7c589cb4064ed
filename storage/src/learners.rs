//! Anonymous learners in the database: a random 128-bit token per browser, of
//! which only the SHA-256 is stored, so a leaked database does not let anyone
//! act as a learner. (The cookie that carries the token is the app's.)

use crate::db::{on_tx, Db};
use crate::on_db;
use sha2::{Digest, Sha256};

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
pub async fn find_learner(db: &Db, token: &LearnerToken) -> Result<Option<i64>, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM learners WHERE token_hash = $1
             UNION ALL SELECT learner_id FROM learner_devices WHERE token_hash = $1
             LIMIT 1",
        )
        .bind(token.hash())
        .fetch_optional(pool)
        .await
    })
}

pub async fn create_learner(db: &Db, token: &LearnerToken) -> Result<i64, sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query_scalar::<_, i64>("INSERT INTO learners (token_hash) VALUES ($1) RETURNING id")
            .bind(token.hash())
            .fetch_one(pool)
            .await
    })
}

/// Gives learner `id` the new `token`: its old one and every browser it moved
/// to stop working (a reset makes a leaked old cookie worthless).
pub async fn replace_token(db: &Db, id: i64, token: &LearnerToken) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE learners SET token_hash = $1 WHERE id = $2")
            .bind(token.hash())
            .bind(id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM learner_devices WHERE learner_id = $1")
            .bind(id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })?;
    tx.commit().await
}

/// Lets one more browser token (its hash) act as this learner, keeping the
/// newest [`MAX_DEVICES`].
pub async fn add_device(db: &Db, id: i64, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    on_db!(db, pool => {
        sqlx::query("INSERT INTO learner_devices (token_hash, learner_id) VALUES ($1, $2)")
            .bind(token_hash)
            .bind(id)
            .execute(pool)
            .await?;
        // The new device stays; of the others, the newest (by time, then an
        // arbitrary but fixed order within a millisecond) fill the rest.
        sqlx::query(
            "DELETE FROM learner_devices WHERE learner_id = $1 AND token_hash <> $2
             AND token_hash NOT IN
             (SELECT token_hash FROM learner_devices WHERE learner_id = $1 AND token_hash <> $2
              ORDER BY created_at DESC, token_hash DESC LIMIT $3)",
        )
        .bind(id)
        .bind(token_hash)
        .bind(MAX_DEVICES - 1)
        .execute(pool)
        .await?;
        Ok(())
    })
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
        crate::test_db::each_backend(|pool| async move {
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
        })
        .await;
    }
}
