-- Saved experiments (single runs and sweeps). The id is random and URL-safe: a run's
-- page /lab/runs/:id is shareable and readable by anyone who has the link.
CREATE TABLE runs (
    id          TEXT    PRIMARY KEY,
    learner_id  INTEGER REFERENCES learners(id) ON DELETE SET NULL,  -- NULL: made through the JSON API
    kind        TEXT    NOT NULL CHECK (kind IN ('run', 'n-sweep', 'batch-sweep')),
    params      TEXT    NOT NULL,   -- JSON: the ExperimentRequest
    adapter     TEXT    NOT NULL,   -- the GPU adapter's name, or 'CPU only'
    result      TEXT    NOT NULL,   -- JSON: the ExperimentResult
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX runs_by_learner ON runs (learner_id, created_at);
