-- A run's kind is written by the code (`ExperimentRequest`'s name for it), never
-- by a client, so the table no longer lists the kinds: each new kind needed a
-- table rebuild (SQLite cannot change a CHECK in place). This is the last one.
-- The kind keeps a bound on its length, which no new kind needs to change.
CREATE TABLE runs_new (
    id          TEXT    PRIMARY KEY,
    learner_id  INTEGER REFERENCES learners(id) ON DELETE SET NULL,  -- NULL: made through the JSON API
    kind        TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
    adapter     TEXT    NOT NULL,   -- the GPU adapter's name, or 'CPU only'
    result      TEXT    NOT NULL,   -- JSON: the ExperimentResult
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    title       TEXT    NOT NULL DEFAULT ''
);
INSERT INTO runs_new (id, learner_id, kind, adapter, result, created_at, title)
    SELECT id, learner_id, kind, adapter, result, created_at, title FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;
CREATE INDEX runs_by_learner ON runs (learner_id, created_at);
CREATE INDEX runs_by_created ON runs (created_at);
