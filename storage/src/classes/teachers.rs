//! "Your classes" on `/teach` (server only): the classes a browser's learner
//! created, kept so that a teacher who lost the link gets back to the class
//! from the same browser (or one it moved to with a transfer code).
//!
//! Why the secret is sealed rather than replaced by a per-learner token: the
//! teacher link is the one key to a class. Every dashboard form posts it, the
//! CSV files live under it, and the teacher hands it on (to a colleague, to
//! another device). A list that only re-opened the dashboard through the
//! cookie would need a second way into every one of those, and could not give
//! the link back. So the list stores the secret itself, sealed under the
//! server secret (`ServerState::secret`, the file beside the database):
//! `sealed = secret XOR HMAC-SHA256(server secret, "class-teacher-link", nonce)`
//! with a fresh random nonce per row, a one-block stream cipher with a PRF as
//! its keystream. A copied database without the secret file opens no class.
//! What comes out is checked against the class's `teacher_hash` (the only
//! thing `classes` stores of it), so a row sealed under another server
//! secret, or tampered with, is dropped rather than shown.

use sqlx::FromRow;

use crate::db::Db;
use crate::on_db;

use super::ClassError;
use crate::codes;
use crate::secret::ServerSecret;
use lab_types::TaughtClass;

/// What the HMAC of a sealed teacher link is for (see `ServerSecret::tag`).
const DOMAIN: &str = "class-teacher-link";
const NONCE_BYTES: usize = 16;
/// Classes kept (and listed on `/teach`) per learner, the newest: a browser
/// that creates more forgets its oldest. The classes themselves stay.
pub const MAX_LISTED: i64 = 100;

/// The secret's 32 bytes XOR the keystream of `nonce`: sealing and opening
/// are the same operation. `None` unless `secret` is 32 bytes.
fn xor_keystream(key: &ServerSecret, nonce: &[u8], secret: &[u8]) -> Option<Vec<u8>> {
    let stream = key.tag(DOMAIN, &[nonce]);
    (secret.len() == stream.len()).then(|| secret.iter().zip(stream).map(|(a, b)| a ^ b).collect())
}

/// Seals a teacher secret (64 hex digits): answers the nonce and the sealed bytes.
pub fn seal(key: &ServerSecret, teacher_secret: &str) -> Result<(Vec<u8>, Vec<u8>), ClassError> {
    let raw = crate::secret::from_hex(teacher_secret)
        .filter(|_| codes::is_teacher_secret(teacher_secret))
        .ok_or(ClassError::NoClass)?;
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).map_err(codes::RandomError::from)?;
    let sealed = xor_keystream(key, &nonce, &raw).ok_or(ClassError::NoClass)?;
    Ok((nonce.to_vec(), sealed))
}

/// The teacher secret of a sealed row, if it opens under `key` and hashes to
/// `teacher_hash`.
pub fn open(
    key: &ServerSecret,
    nonce: &[u8],
    sealed: &[u8],
    teacher_hash: &[u8],
) -> Option<String> {
    let raw = xor_keystream(key, nonce, sealed)?;
    let secret = crate::secret::to_hex(&raw);
    (codes::hash(&secret) == teacher_hash).then_some(secret)
}

/// Keeps the class in the list of the learner who created it, and drops the
/// learner's oldest beyond [`MAX_LISTED`] (the bound on this table).
pub async fn remember(
    db: &Db,
    key: &ServerSecret,
    class_id: i64,
    learner_id: i64,
    teacher_secret: &str,
) -> Result<(), ClassError> {
    on_db!(db, pool => {
        let (nonce, sealed) = seal(key, teacher_secret)?;
        sqlx::query(
            "INSERT INTO class_teachers (class_id, learner_id, nonce, sealed_secret) VALUES ($1, $2, $3, $4)
             ON CONFLICT (class_id, learner_id) DO UPDATE
             SET nonce = excluded.nonce, sealed_secret = excluded.sealed_secret",
        )
        .bind(class_id)
        .bind(learner_id)
        .bind(nonce)
        .bind(sealed)
        .execute(pool)
        .await?;
        sqlx::query(
            "DELETE FROM class_teachers WHERE learner_id = $1 AND class_id NOT IN (
                 SELECT class_id FROM class_teachers WHERE learner_id = $1
                 ORDER BY created_at DESC, class_id DESC LIMIT $2)",
        )
        .bind(learner_id)
        .bind(MAX_LISTED)
        .execute(pool)
        .await?;
        Ok(())
    })
}

#[derive(Debug, FromRow)]
struct Row {
    class_name: String,
    join_code: String,
    locked: bool,
    members: i64,
    created_at: String,
    teacher_hash: Vec<u8>,
    nonce: Vec<u8>,
    sealed_secret: Vec<u8>,
}

/// The classes this learner created and that still exist, the newest first,
/// each with its dashboard's path. Rows that do not open are left out.
pub async fn taught_classes(
    db: &Db,
    key: &ServerSecret,
    learner_id: i64,
) -> Result<Vec<TaughtClass>, ClassError> {
    on_db!(db, pool => {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.name AS class_name, c.join_code, c.locked, c.created_at, c.teacher_hash,
                    t.nonce, t.sealed_secret,
                    (SELECT COUNT(*) FROM class_members m WHERE m.class_id = c.id) AS members
             FROM class_teachers t JOIN classes c ON c.id = t.class_id
             WHERE t.learner_id = $1 ORDER BY t.created_at DESC, c.id DESC LIMIT $2",
        )
        .bind(learner_id)
        .bind(MAX_LISTED)
        .fetch_all(pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let secret = open(key, &r.nonce, &r.sealed_secret, &r.teacher_hash)?;
                Some(TaughtClass {
                    class_name: r.class_name,
                    join_code: codes::display_code(&r.join_code),
                    locked: r.locked,
                    members: usize::try_from(r.members).unwrap_or(0),
                    created_on: r.created_at.get(..10).unwrap_or_default().to_string(),
                    dashboard_path: format!("/teach/{secret}"),
                })
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classes::{create_class, delete_class, join};
    use crate::on_db;
    use crate::test_db::{each_backend, new_learner};

    fn key(byte: u8) -> ServerSecret {
        ServerSecret::from_bytes([byte; 32])
    }

    #[test]
    fn a_sealed_secret_opens_only_under_its_key_and_hash() {
        let secret = codes::new_teacher_secret().unwrap();
        let hash = codes::hash(&secret);
        let (nonce, sealed) = seal(&key(1), &secret).unwrap();
        assert_ne!(
            sealed,
            crate::secret::from_hex(&secret).unwrap(),
            "not in clear"
        );
        assert_eq!(open(&key(1), &nonce, &sealed, &hash), Some(secret.clone()));
        assert_eq!(
            open(&key(2), &nonce, &sealed, &hash),
            None,
            "another server secret"
        );
        let mut tampered = sealed.clone();
        tampered[0] ^= 1;
        assert_eq!(open(&key(1), &nonce, &tampered, &hash), None);
        assert_eq!(open(&key(1), &nonce, &sealed[..31], &hash), None);
        let (other_nonce, other) = seal(&key(1), &secret).unwrap();
        assert_ne!(
            (other_nonce, other),
            (nonce, sealed),
            "a fresh nonce per row"
        );
        assert!(seal(&key(1), "not a secret").is_err());
    }

    #[tokio::test]
    async fn a_teacher_lists_their_own_classes_while_they_exist() {
        each_backend(|pool| async move {
            let (teacher, other) = (new_learner(&pool).await, new_learner(&pool).await);
            let first = create_class(&pool, "Period 3").await.unwrap();
            let second = create_class(&pool, "Period 4").await.unwrap();
            remember(&pool, &key(1), first.id, teacher, &first.teacher_secret)
                .await
                .unwrap();
            remember(&pool, &key(1), second.id, teacher, &second.teacher_secret)
                .await
                .unwrap();
            join(&pool, first.id, other, "Ada").await.unwrap();

            let listed = taught_classes(&pool, &key(1), teacher).await.unwrap();
            let names: Vec<&str> = listed.iter().map(|c| c.class_name.as_str()).collect();
            assert_eq!(names, ["Period 4", "Period 3"], "the newest first");
            assert_eq!(
                listed[1].dashboard_path,
                format!("/teach/{}", first.teacher_secret)
            );
            assert_eq!(listed[1].members, 1);
            assert_eq!(listed[1].join_code, codes::display_code(&first.join_code));
            let stored: Vec<Vec<u8>> =
                on_db!(&pool, p => sqlx::query_scalar("SELECT sealed_secret FROM class_teachers")
                .fetch_all(p)
                .await)
                .unwrap();
            for s in stored {
                assert!(!crate::secret::to_hex(&s).contains(&first.teacher_secret[..16]));
            }

            assert!(taught_classes(&pool, &key(1), other)
                .await
                .unwrap()
                .is_empty());
            assert!(
                taught_classes(&pool, &key(2), teacher)
                    .await
                    .unwrap()
                    .is_empty(),
                "another server secret opens nothing"
            );
            delete_class(&pool, second.id).await.unwrap();
            let listed = taught_classes(&pool, &key(1), teacher).await.unwrap();
            assert_eq!(listed.len(), 1, "a deleted class leaves the list");
        })
        .await;
    }

    #[tokio::test]
    async fn a_learner_keeps_at_most_the_newest_classes() {
        each_backend(|pool| async move {
            let teacher = new_learner(&pool).await;
            let mut ids = Vec::new();
            for n in 0..=MAX_LISTED {
                let class = create_class(&pool, &format!("Class {n}")).await.unwrap();
                remember(&pool, &key(1), class.id, teacher, &class.teacher_secret)
                    .await
                    .unwrap();
                ids.push(class.id);
            }
            let kept: Vec<i64> =
                on_db!(&pool, p => sqlx::query_scalar("SELECT class_id FROM class_teachers ORDER BY class_id")
                    .fetch_all(p)
                    .await)
                    .unwrap();
            assert_eq!(kept, ids[1..], "the oldest is forgotten");
        })
        .await;
    }
}
