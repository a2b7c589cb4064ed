-- Classes without accounts (issue 16). A class is reached by learners through a short
-- join code and by its teacher through a secret link: only the secret's SHA-256 is kept.
CREATE TABLE classes (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    join_code     TEXT    NOT NULL UNIQUE CHECK (length(join_code) = 8),
    teacher_hash  BLOB    NOT NULL UNIQUE,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Who joined which class, under which name. Deleting a class (or a learner) removes
-- the memberships only: answers and runs belong to the learner.
CREATE TABLE class_members (
    class_id      INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    learner_id    INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    display_name  TEXT    NOT NULL CHECK (length(display_name) BETWEEN 1 AND 40),
    joined_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (class_id, learner_id),
    UNIQUE (class_id, display_name)
);
CREATE INDEX class_members_by_learner ON class_members (learner_id);

-- One-time codes that move a learner to another browser: hashed, short-lived
-- (`expires_at` in Unix seconds), deleted when used.
CREATE TABLE transfer_codes (
    code_hash   BLOB    PRIMARY KEY,
    learner_id  INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX transfer_codes_by_learner ON transfer_codes (learner_id);

-- More browsers of the same learner: each has its own cookie token (hashed here),
-- so moving to a new device does not sign the old one out.
CREATE TABLE learner_devices (
    token_hash  BLOB    PRIMARY KEY,
    learner_id  INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX learner_devices_by_learner ON learner_devices (learner_id);

-- How often each learner ran each lesson demo (one row per learner and demo).
CREATE TABLE demo_runs (
    learner_id  INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    demo        TEXT    NOT NULL CHECK (length(demo) <= 40),
    runs        INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (learner_id, demo)
);
