-- Learners are anonymous: a random token lives in their cookie, only its SHA-256 here.
CREATE TABLE learners (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Every answer. `question_id` is not a foreign key: questions live in content/, and a
-- question later removed keeps its attempts without breaking any page.
CREATE TABLE attempts (
    id           INTEGER PRIMARY KEY,
    learner_id   INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    lesson_slug  TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    answer       TEXT    NOT NULL,           -- JSON: option ids or a number
    correct      INTEGER NOT NULL CHECK (correct IN (0, 1)),
    first_try    INTEGER NOT NULL CHECK (first_try IN (0, 1)),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX attempts_by_learner_question ON attempts (learner_id, question_id, id);
