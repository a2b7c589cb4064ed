//! One-time transfer codes and the extra browser tokens they hand out (server
//! only). `now` (Unix seconds) is passed in, so tests can move the clock.
//!
//! A code has about 2^40 values, so a bare hash of it would fall to a search
//! of that space within hours: the database keeps an HMAC under the server
//! secret instead, useless without the secret file beside the database.

use crate::db::Db;
use crate::on_db;

use crate::codes::{self, RandomError};
use crate::secret::ServerSecret;

/// What the database stores of a transfer code.
pub fn code_hash(secret: &ServerSecret, code: &str) -> Vec<u8> {
    secret.tag("transfer-code", &[code.as_bytes()]).to_vec()
}

/// How long a transfer code is valid.
pub const TTL_S: i64 = 10 * 60;
const CODE_TRIES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("no unused transfer code found")]
    NoFreeCode,
}

/// A fresh code for this learner, valid until `now + TTL_S`. The learner's
/// earlier codes and every expired one are deleted: at most one live code each.
pub async fn new_code(
    db: &Db,
    secret: &ServerSecret,
    learner_id: i64,
    now: i64,
) -> Result<String, TransferError> {
    on_db!(db, pool => {
        sqlx::query("DELETE FROM transfer_codes WHERE learner_id = $1 OR expires_at <= $2")
            .bind(learner_id)
            .bind(now)
            .execute(pool)
            .await?;
        for _ in 0..CODE_TRIES {
            let code = codes::new_code()?;
            let inserted = sqlx::query(
                "INSERT INTO transfer_codes (code_hash, learner_id, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(code_hash(secret, &code))
            .bind(learner_id)
            .bind(now + TTL_S)
            .execute(pool)
            .await;
            match inserted {
                Ok(_) => return Ok(code),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(TransferError::NoFreeCode)
    })
}

/// Uses up a code (already normalised): the learner it belongs to, or `None`
/// when it is unknown, expired or used. One statement, so a code is used once.
pub async fn redeem(
    db: &Db,
    secret: &ServerSecret,
    code: &str,
    now: i64,
) -> Result<Option<i64>, TransferError> {
    on_db!(db, pool => {
        let learner = sqlx::query_scalar::<_, i64>(
            "DELETE FROM transfer_codes WHERE code_hash = $1 AND expires_at > $2 RETURNING learner_id",
        )
        .bind(code_hash(secret, code))
        .bind(now)
        .fetch_optional(pool)
        .await?;
        sqlx::query("DELETE FROM transfer_codes WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?;
        Ok(learner)
    })
}

/// Whether this learner's code is still waiting to be used (to show it again).
pub async fn is_live(
    db: &Db,
    secret: &ServerSecret,
    learner_id: i64,
    code: &str,
    now: i64,
) -> Result<bool, TransferError> {
    on_db!(db, pool => {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM transfer_codes WHERE code_hash = $1 AND learner_id = $2 AND expires_at > $3",
        )
        .bind(code_hash(secret, code))
        .bind(learner_id)
        .bind(now)
        .fetch_one(pool)
        .await?
            > 0)
    })
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::on_db;
    use crate::test_db::{each_backend, new_learner as learner};

    fn secret() -> ServerSecret {
        ServerSecret::from_bytes([3; 32])
    }

    #[tokio::test]
    async fn a_code_moves_its_learner_once_and_only_within_ten_minutes() {
        each_backend(|pool| async move {
            let a = learner(&pool).await;
            let code = new_code(&pool, &secret(), a, 1_000).await.unwrap();
            assert_eq!(
                redeem(&pool, &secret(), "AAAAAAAA", 1_001).await.unwrap(),
                None,
                "unknown code"
            );
            assert_eq!(
                redeem(&pool, &secret(), &code, 1_001).await.unwrap(),
                Some(a)
            );
            assert_eq!(
                redeem(&pool, &secret(), &code, 1_002).await.unwrap(),
                None,
                "used once"
            );

            let late = new_code(&pool, &secret(), a, 2_000).await.unwrap();
            assert_eq!(
                redeem(&pool, &secret(), &late, 2_000 + TTL_S)
                    .await
                    .unwrap(),
                None,
                "expired"
            );
            let count: i64 =
                on_db!(&pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM transfer_codes")
                .fetch_one(p)
                .await)
                .unwrap();
            assert_eq!(count, 0, "expired codes are deleted");
        })
        .await;
    }

    #[tokio::test]
    async fn a_new_code_replaces_the_learners_old_one() {
        each_backend(|pool| async move {
            let a = learner(&pool).await;
            let first = new_code(&pool, &secret(), a, 1_000).await.unwrap();
            let second = new_code(&pool, &secret(), a, 1_010).await.unwrap();
            assert!(!is_live(&pool, &secret(), a, &first, 1_020).await.unwrap());
            assert!(is_live(&pool, &secret(), a, &second, 1_020).await.unwrap());
            assert_eq!(redeem(&pool, &secret(), &first, 1_020).await.unwrap(), None);
        })
        .await;
    }

    #[tokio::test]
    async fn codes_are_stored_keyed_by_the_server_secret() {
        use sha2::{Digest, Sha256};
        crate::test_db::each_backend(|pool| async move {
            let a = learner(&pool).await;
            let code = new_code(&pool, &secret(), a, 1_000).await.unwrap();
            let stored: Vec<u8> =
                on_db!(&pool, p => sqlx::query_scalar("SELECT code_hash FROM transfer_codes")
                .fetch_one(p)
                .await)
                .unwrap();
            assert_ne!(
                stored,
                Sha256::digest(code.as_bytes()).to_vec(),
                "not a bare hash"
            );
            assert_eq!(stored, code_hash(&secret(), &code));
            let other = ServerSecret::from_bytes([4; 32]);
            assert_eq!(
                redeem(&pool, &other, &code, 1_001).await.unwrap(),
                None,
                "useless under another secret"
            );
            assert_eq!(
                redeem(&pool, &secret(), &code, 1_001).await.unwrap(),
                Some(a)
            );
        })
        .await;
    }

    #[tokio::test]
    async fn devices_per_learner_are_bounded() {
        use crate::learners::{add_device, MAX_DEVICES};
        crate::test_db::each_backend(|pool| async move {
            let a = learner(&pool).await;
            for i in 0..(MAX_DEVICES + 5) {
                add_device(&pool, a, &[i as u8; 32]).await.unwrap();
            }
            let count: i64 =
                on_db!(&pool, p => sqlx::query_scalar("SELECT COUNT(*) FROM learner_devices")
                .fetch_one(p)
                .await)
                .unwrap();
            assert_eq!(count, MAX_DEVICES);
        })
        .await;
    }
}
