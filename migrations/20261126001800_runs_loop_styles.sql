-- The lab's GPU loop styles side by side are saved as runs of kind 'loop-styles'.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt with
-- the same columns (in the order the earlier migrations left them) and indexes.
-- Nothing references `runs`, so dropping the old table breaks no foreign key.
CREATE TABLE runs_new (
    id          TEXT    PRIMARY KEY,
    learner_id  INTEGER REFERENCES learners(id) ON DELETE SET NULL,  -- NULL: made through the JSON API
    kind        TEXT    NOT NULL CHECK (kind IN ('run', 'n-sweep', 'batch-sweep', 'loop-styles')),
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
