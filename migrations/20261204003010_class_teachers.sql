-- "Your classes" on /teach (issue 30): the classes a browser's learner created,
-- so a teacher who lost the link gets back to the class from the same browser.
-- The teacher secret is never stored in clear: `sealed_secret` is the secret
-- XOR HMAC-SHA256(server secret, nonce), opened only by the server that keeps
-- the secret file beside this database, and checked against
-- `classes.teacher_hash` when opened. A copied database alone opens no class.
CREATE TABLE class_teachers (
    class_id       INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    learner_id     INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    nonce          BLOB    NOT NULL CHECK (length(nonce) = 16),
    sealed_secret  BLOB    NOT NULL CHECK (length(sealed_secret) = 32),
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (class_id, learner_id)
);
CREATE INDEX class_teachers_by_learner ON class_teachers (learner_id);
