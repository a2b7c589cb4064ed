-- Kernel playground. `puzzle_id` is not a foreign key: puzzles live in content/.

-- A learner's latest kernels per puzzle (the app keeps the newest few per
-- learner and puzzle; retention deletes old ones). `outcome` is the JSON the
-- page shows: a compile error, the first mismatch, or the timings.
CREATE TABLE puzzle_submissions (
    id          INTEGER PRIMARY KEY,
    learner_id  INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    puzzle_id   TEXT    NOT NULL CHECK (length(puzzle_id) <= 64),
    source      TEXT    NOT NULL CHECK (length(source) <= 16384),
    verdict     TEXT    NOT NULL CHECK (verdict IN ('compile_error', 'wrong', 'correct')),
    outcome     TEXT    NOT NULL CHECK (length(outcome) <= 65536),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX puzzle_submissions_by_learner ON puzzle_submissions (learner_id, puzzle_id, id);
CREATE INDEX puzzle_submissions_by_created ON puzzle_submissions (created_at);

-- The leaderboard: each learner's best correct time per puzzle per adapter
-- (kept apart from the submissions, so pruning those never loses a record).
-- A row here also means the learner solved the puzzle.
CREATE TABLE puzzle_bests (
    learner_id  INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    puzzle_id   TEXT    NOT NULL CHECK (length(puzzle_id) <= 64),
    adapter     TEXT    NOT NULL CHECK (length(adapter) <= 256),
    median_ms   REAL    NOT NULL CHECK (median_ms >= 0),
    rate        REAL    NOT NULL,
    unit        TEXT    NOT NULL CHECK (length(unit) <= 16),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (learner_id, puzzle_id, adapter)
);
CREATE INDEX puzzle_bests_by_board ON puzzle_bests (puzzle_id, adapter, median_ms);

-- The name a learner chose for leaderboards; none (anonymous) by default.
ALTER TABLE learners ADD COLUMN display_name TEXT
    CHECK (display_name IS NULL OR length(display_name) BETWEEN 1 AND 40);
