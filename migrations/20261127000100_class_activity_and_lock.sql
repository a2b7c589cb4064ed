-- Classes a teacher controls, and that end (issue 24).
-- `last_active_at`: when the class was last created, joined, left, locked,
-- unlocked or had a member removed; retention deletes classes idle (and
-- without a member answering) for LAB_CLASS_RETENTION_DAYS. A column added
-- to a table cannot default to an expression, so the app writes it and
-- older rows start from their creation time.
ALTER TABLE classes ADD COLUMN last_active_at TEXT;
UPDATE classes SET last_active_at = created_at;
CREATE INDEX classes_by_activity ON classes (last_active_at);

-- A locked class refuses every join and rename (the teacher's switch).
ALTER TABLE classes ADD COLUMN locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1));
