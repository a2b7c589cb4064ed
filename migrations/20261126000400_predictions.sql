-- Predict, then measure: what a learner expected before a lesson demo ran, and what
-- it measured. `run_ref` names the run (a saved run's id, a kept timing report's
-- id, or the visibility string). Deleted with the learner (retention, reset), and
-- at most the newest 200 per learner are kept (see app/src/predictions/db.rs).
CREATE TABLE predictions (
    id          INTEGER PRIMARY KEY,
    learner_id  INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    demo        TEXT    NOT NULL,
    run_ref     TEXT    NOT NULL,
    guess       TEXT    NOT NULL,   -- JSON: Guess
    measured    TEXT    NOT NULL,   -- JSON: Measured
    -- NULL: "I don't know", or nothing was measured to compare with.
    correct     INTEGER CHECK (correct IN (0, 1)),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX predictions_by_learner ON predictions (learner_id, id);
