-- Token buckets of the rate limits, one per limiter and key (a learner id, a
-- client's address or IPv6 /64). Used when several web instances share one
-- PostgreSQL database, so that a limit holds across all of them; a single
-- SQLite server keeps its buckets in memory, and this table stays empty. Kept
-- in both schemas so that they stay one (see lab_storage::rate_buckets).
CREATE TABLE rate_buckets (
    limiter     TEXT    NOT NULL,
    bucket_key  TEXT    NOT NULL,
    tokens      REAL    NOT NULL,
    -- Unix milliseconds: when the bucket was last touched, and when it is full
    -- again (then it is the same as no bucket, and the quota pass deletes it).
    updated_ms  INTEGER NOT NULL,
    full_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (limiter, bucket_key)
);
CREATE INDEX rate_buckets_full_at ON rate_buckets (full_at_ms);
CREATE INDEX rate_buckets_updated ON rate_buckets (updated_ms);
