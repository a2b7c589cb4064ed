-- The lab's durable job queue (lab_storage::jobs): every measurement a learner
-- asked for, from queued through running to done, failed or cancelled, so that
-- lab workers on other hosts can claim jobs from one shared database and a
-- killed worker loses no job and saves no result twice.
CREATE TABLE lab_jobs (
    -- The place in line: first come, first served (a re-queued job keeps it).
    seq               INTEGER PRIMARY KEY,
    -- The id its saved run keeps.
    id                TEXT    NOT NULL UNIQUE,
    kind              TEXT    NOT NULL,
    params            TEXT    NOT NULL,
    needs_gpu         INTEGER NOT NULL CHECK (needs_gpu IN (0, 1)),
    needs_cpu         INTEGER NOT NULL CHECK (needs_cpu IN (0, 1)),
    learner_id        INTEGER REFERENCES learners(id) ON DELETE CASCADE,
    -- The client (an address or IPv6 /64) whose share it counts in.
    client_key        TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    -- The fencing token: bumped by every claim; a worker's writes name it.
    attempt           INTEGER NOT NULL DEFAULT 0,
    requeues          INTEGER NOT NULL DEFAULT 0,
    worker            TEXT,
    -- Unix milliseconds, like every time below.
    lease_until_ms    INTEGER,
    cancel_requested  INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    followed_until_ms INTEGER NOT NULL,
    progress          TEXT,
    error             TEXT,
    created_ms        INTEGER NOT NULL,
    finished_ms       INTEGER
);
-- A learner's share, whichever instance admits: one job waiting (a job the
-- reaper put back in line is not theirs to count) and one running.
CREATE UNIQUE INDEX lab_jobs_one_waiting ON lab_jobs (learner_id)
    WHERE state = 'queued' AND requeues = 0;
CREATE UNIQUE INDEX lab_jobs_one_running ON lab_jobs (learner_id) WHERE state = 'running';
CREATE INDEX lab_jobs_state ON lab_jobs (state, seq);
