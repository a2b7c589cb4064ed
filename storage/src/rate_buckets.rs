//! Token buckets in the database, for rate limits that must hold across every
//! web instance sharing one PostgreSQL database (30 answers a minute means 30
//! in total, whichever instance takes them). One SQLite server keeps its
//! buckets in memory instead (the app's `RateLimit`); the table exists on both
//! engines so that the schemas stay one and these functions are tested on both.
//!
//! A bucket holds at most `burst` tokens and gains `per_minute` a minute; an
//! action takes tokens, or is refused taking none. Each operation is one
//! statement (an upsert that refills, checks and takes under the row's lock),
//! so instances racing for a bucket's last token cannot both get it. Times are
//! Unix milliseconds from the caller's clock; a bucket touched "in the future"
//! by an instance whose clock runs ahead simply gains nothing until then.
//!
//! Bounded: a bucket that has refilled completely is the same as no bucket, so
//! [`prune`] deletes those, then the least recently touched beyond a row cap:
//! like the in-memory limiter, a full table evicts and never refuses anyone.

use crate::db::Db;
use crate::on_db;

/// How many tokens a bucket holds at most, and how fast they come back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketRate {
    pub burst: f64,
    pub per_minute: f64,
}

impl BucketRate {
    fn per_ms(self) -> f64 {
        self.per_minute.max(f64::MIN_POSITIVE) / 60_000.0
    }
}

/// One bucket: which limiter it belongs to (`"answers.learner"`) and whose it
/// is (a learner id, a client's address or IPv6 /64, as text).
#[derive(Debug, Clone, Copy)]
pub struct Bucket<'a> {
    pub limiter: &'a str,
    pub key: &'a str,
    pub rate: BucketRate,
}

/// A bucket's tokens at `$now`: what it had, plus what came back since it was
/// last touched (never negative time), at most `$burst`. The placeholders are
/// the caller's, so each statement numbers its own parameters.
fn refilled(burst: &str, per_ms: &str, now: &str) -> String {
    let elapsed = format!(
        "(CASE WHEN {now} > rate_buckets.updated_ms THEN {now} - rate_buckets.updated_ms ELSE 0 END)"
    );
    let grown = format!("(rate_buckets.tokens + {elapsed} * {per_ms})");
    format!("(CASE WHEN {grown} > {burst} THEN {burst} ELSE {grown} END)")
}

fn at_least_zero(x: &str) -> String {
    format!("(CASE WHEN {x} > 0.0 THEN {x} ELSE 0.0 END)")
}

/// `x` held between empty and `burst`.
fn clamped(x: &str, burst: &str) -> String {
    let x = at_least_zero(x);
    format!("(CASE WHEN {x} > {burst} THEN {burst} ELSE {x} END)")
}

/// When a bucket left with `tokens` at `now` is full again (for [`prune`]).
fn full_at(burst: &str, per_ms: &str, now: &str, tokens: &str) -> String {
    format!("({now} + CAST(({burst} - {tokens}) / {per_ms} AS BIGINT))")
}

/// Takes `n` tokens (at most `burst` are needed: an action dearer than the
/// burst empties a full bucket). `Ok(Err(tokens left))` when refused, taking
/// nothing.
pub async fn take(
    db: &Db,
    bucket: Bucket<'_>,
    n: f64,
    now_ms: i64,
) -> Result<Result<(), f64>, sqlx::Error> {
    // $1 limiter, $2 key, $3 burst, $4 per ms, $5 n, $6 now, $7 tokens needed.
    let current = refilled("$3", "$4", "$6");
    let left = at_least_zero(&format!("{current} - $5"));
    let new_left = at_least_zero("$3 - $5");
    let sql = format!(
        "INSERT INTO rate_buckets (limiter, bucket_key, tokens, updated_ms, full_at_ms) \
         VALUES ($1, $2, {new_left}, $6, {new_full}) \
         ON CONFLICT (limiter, bucket_key) DO UPDATE \
         SET tokens = {left}, updated_ms = $6, full_at_ms = {full} \
         WHERE {current} >= $7 \
         RETURNING tokens",
        new_full = full_at("$3", "$4", "$6", &new_left),
        full = full_at("$3", "$4", "$6", &left),
    );
    let rate = bucket.rate;
    let taken: Option<f64> = on_db!(db, pool => sqlx::query_scalar(&sql)
        .bind(bucket.limiter)
        .bind(bucket.key)
        .bind(rate.burst)
        .bind(rate.per_ms())
        .bind(n)
        .bind(now_ms)
        .bind(n.min(rate.burst))
        .fetch_optional(pool)
        .await?);
    match taken {
        Some(_) => Ok(Ok(())),
        None => Ok(Err(tokens(db, bucket, now_ms).await?)),
    }
}

/// Charges `n` tokens whatever is left (a failure counted after the fact), or
/// gives `-n` back (a token taken for an action that was then refused); the
/// bucket stays between empty and full.
pub async fn charge(db: &Db, bucket: Bucket<'_>, n: f64, now_ms: i64) -> Result<(), sqlx::Error> {
    // $1 limiter, $2 key, $3 burst, $4 per ms, $5 n, $6 now.
    let left = clamped(&format!("{} - $5", refilled("$3", "$4", "$6")), "$3");
    let new_left = clamped("$3 - $5", "$3");
    let sql = format!(
        "INSERT INTO rate_buckets (limiter, bucket_key, tokens, updated_ms, full_at_ms) \
         VALUES ($1, $2, {new_left}, $6, {new_full}) \
         ON CONFLICT (limiter, bucket_key) DO UPDATE \
         SET tokens = {left}, updated_ms = $6, full_at_ms = {full}",
        new_full = full_at("$3", "$4", "$6", &new_left),
        full = full_at("$3", "$4", "$6", &left),
    );
    let rate = bucket.rate;
    on_db!(db, pool => {
        sqlx::query(&sql)
            .bind(bucket.limiter)
            .bind(bucket.key)
            .bind(rate.burst)
            .bind(rate.per_ms())
            .bind(n)
            .bind(now_ms)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The bucket's tokens at `now_ms`, taking none (a missing bucket is full).
pub async fn tokens(db: &Db, bucket: Bucket<'_>, now_ms: i64) -> Result<f64, sqlx::Error> {
    // $1 limiter, $2 key, $3 burst, $4 per ms, $5 now.
    let sql = format!(
        "SELECT {} FROM rate_buckets WHERE limiter = $1 AND bucket_key = $2",
        refilled("$3", "$4", "$5")
    );
    let rate = bucket.rate;
    let tokens: Option<f64> = on_db!(db, pool => sqlx::query_scalar(&sql)
        .bind(bucket.limiter)
        .bind(bucket.key)
        .bind(rate.burst)
        .bind(rate.per_ms())
        .bind(now_ms)
        .fetch_optional(pool)
        .await?);
    Ok(tokens.unwrap_or(rate.burst))
}

/// Deletes the buckets that are full again at `now_ms`, then the least
/// recently touched beyond `max_rows`: answers how many went.
pub async fn prune(db: &Db, now_ms: i64, max_rows: i64) -> Result<u64, sqlx::Error> {
    on_db!(db, pool => {
        let full = sqlx::query("DELETE FROM rate_buckets WHERE full_at_ms <= $1")
            .bind(now_ms)
            .execute(pool)
            .await?
            .rows_affected();
        // The touch time of the newest row beyond the cap, if there is one.
        let cut: Option<i64> = sqlx::query_scalar(
            "SELECT updated_ms FROM rate_buckets ORDER BY updated_ms DESC LIMIT 1 OFFSET $1",
        )
        .bind(max_rows.max(1) - 1)
        .fetch_optional(pool)
        .await?;
        let oldest = match cut {
            Some(cut) => sqlx::query("DELETE FROM rate_buckets WHERE updated_ms < $1")
                .bind(cut)
                .execute(pool)
                .await?
                .rows_affected(),
            None => 0,
        };
        Ok(full + oldest)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_db::each_backend;

    const RATE: BucketRate = BucketRate {
        burst: 3.0,
        per_minute: 60.0, // one a second
    };

    fn bucket(key: &str) -> Bucket<'_> {
        Bucket {
            limiter: "test",
            key,
            rate: RATE,
        }
    }

    /// Whether a take of `n` tokens at `t` went through.
    async fn took(db: &Db, b: Bucket<'_>, n: f64, t: i64) -> bool {
        take(db, b, n, t).await.unwrap().is_ok()
    }

    #[tokio::test]
    async fn a_burst_then_the_refill_rate() {
        each_backend(|db| async move {
            let t0 = 1_000_000;
            for _ in 0..3 {
                assert_eq!(take(&db, bucket("a"), 1.0, t0).await.unwrap(), Ok(()));
            }
            let left = take(&db, bucket("a"), 1.0, t0).await.unwrap();
            assert!(matches!(left, Err(t) if t < 1.0), "{left:?}");
            assert!(took(&db, bucket("b"), 1.0, t0).await, "another key");
            let other = Bucket {
                limiter: "other",
                ..bucket("a")
            };
            assert!(took(&db, other, 1.0, t0).await, "another limiter");
            assert!(took(&db, bucket("a"), 1.0, t0 + 1_000).await, "one back");
            assert!(!took(&db, bucket("a"), 1.0, t0 + 1_000).await);
            // A clock behind the last touch gains nothing (and loses nothing).
            assert!(!took(&db, bucket("a"), 1.0, t0).await);
            let later = tokens(&db, bucket("a"), t0 + 60_000).await.unwrap();
            assert_eq!(later, 3.0, "never more than the burst");
        })
        .await;
    }

    #[tokio::test]
    async fn charge_counts_after_the_fact_and_never_goes_below_empty() {
        each_backend(|db| async move {
            let t0 = 5_000_000;
            assert_eq!(
                tokens(&db, bucket("c"), t0).await.unwrap(),
                3.0,
                "missing is full"
            );
            charge(&db, bucket("c"), 2.0, t0).await.unwrap();
            assert_eq!(tokens(&db, bucket("c"), t0).await.unwrap(), 1.0);
            charge(&db, bucket("c"), 10.0, t0).await.unwrap();
            assert_eq!(tokens(&db, bucket("c"), t0).await.unwrap(), 0.0);
            assert_eq!(tokens(&db, bucket("c"), t0 + 2_000).await.unwrap(), 2.0);
            // A refund gives a token back, never beyond the burst.
            charge(&db, bucket("c"), -1.0, t0 + 2_000).await.unwrap();
            assert_eq!(tokens(&db, bucket("c"), t0 + 2_000).await.unwrap(), 3.0);
            charge(&db, bucket("c"), -1.0, t0 + 2_000).await.unwrap();
            assert_eq!(tokens(&db, bucket("c"), t0 + 2_000).await.unwrap(), 3.0);
            // An action dearer than the burst needs a full bucket and empties it.
            assert!(took(&db, bucket("d"), 5.0, t0).await);
            assert!(!took(&db, bucket("d"), 5.0, t0 + 2_000).await);
            assert!(took(&db, bucket("d"), 5.0, t0 + 3_000).await);
        })
        .await;
    }

    #[tokio::test]
    async fn concurrent_takes_never_share_the_last_token() {
        each_backend(|db| async move {
            let t0 = 9_000_000;
            let tries = (0..12).map(|_| {
                let db = db.clone();
                async move { took(&db, bucket("race"), 1.0, t0).await }
            });
            let taken = futures_taken(tries).await;
            assert_eq!(taken, 3, "exactly the burst, however the takes interleave");
        })
        .await;
    }

    async fn futures_taken(
        tries: impl Iterator<Item = impl std::future::Future<Output = bool> + Send + 'static>,
    ) -> usize {
        let handles: Vec<_> = tries.map(tokio::spawn).collect();
        let mut taken = 0;
        for h in handles {
            taken += usize::from(h.await.unwrap());
        }
        taken
    }

    #[tokio::test]
    async fn prune_drops_full_buckets_then_the_least_recently_touched() {
        each_backend(|db| async move {
            let t0 = 20_000_000;
            for (i, key) in ["p1", "p2", "p3", "p4"].into_iter().enumerate() {
                let taken = take(&db, bucket(key), 3.0, t0 + i as i64 * 100).await;
                assert_eq!(taken.unwrap(), Ok(()));
            }
            // "p0" is full again three seconds after its take.
            let taken = take(&db, bucket("p0"), 1.0, t0 - 5_000).await;
            assert_eq!(taken.unwrap(), Ok(()));
            assert_eq!(
                prune(&db, t0 + 1_000, 100).await.unwrap(),
                1,
                "only the full one"
            );
            assert_eq!(
                prune(&db, t0 + 1_000, 2).await.unwrap(),
                2,
                "the two oldest"
            );
            assert!(!took(&db, bucket("p4"), 1.0, t0 + 1_000).await, "kept");
            assert!(took(&db, bucket("p1"), 3.0, t0 + 1_000).await, "evicted");
        })
        .await;
    }
}
