-- Lab workers (lab_storage::workers): the processes that claim lab_jobs, with
-- the devices they offer and their adapter's limits, live while their
-- heartbeat (seen_ms, Unix milliseconds) is recent.
CREATE TABLE lab_workers (
    id          TEXT    NOT NULL PRIMARY KEY,
    has_gpu     INTEGER NOT NULL CHECK (has_gpu IN (0, 1)),
    has_cpu     INTEGER NOT NULL CHECK (has_cpu IN (0, 1)),
    adapter     TEXT    NOT NULL,
    software    INTEGER NOT NULL CHECK (software IN (0, 1)),
    -- The adapter's limits as JSON: what web instances validate requests against.
    limits      TEXT    NOT NULL,
    started_ms  INTEGER NOT NULL,
    seen_ms     INTEGER NOT NULL,
    stopping    INTEGER NOT NULL DEFAULT 0 CHECK (stopping IN (0, 1))
);
CREATE INDEX lab_workers_seen ON lab_workers (seen_ms);
