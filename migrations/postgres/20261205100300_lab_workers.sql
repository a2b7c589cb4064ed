-- Lab workers (lab_storage::workers): the processes that claim lab_jobs, with
-- the devices they offer and their adapter's limits, live while their
-- heartbeat (seen_ms, Unix milliseconds) is recent.
CREATE TABLE lab_workers (
    id          TEXT    NOT NULL PRIMARY KEY,
    has_gpu     BOOLEAN NOT NULL,
    has_cpu     BOOLEAN NOT NULL,
    adapter     TEXT    NOT NULL,
    software    BOOLEAN NOT NULL,
    -- The adapter's limits as JSON: what web instances validate requests against.
    limits      TEXT    NOT NULL,
    started_ms  BIGINT  NOT NULL,
    seen_ms     BIGINT  NOT NULL,
    stopping    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX lab_workers_seen ON lab_workers (seen_ms);
