-- Run parameters are stored once, inside `result` (which already carries them):
-- the `params` copy gives way to a short title for history lists.
ALTER TABLE runs ADD COLUMN title TEXT NOT NULL DEFAULT '';
UPDATE runs SET title = kind;
ALTER TABLE runs DROP COLUMN params;

-- Retention deletes by age.
CREATE INDEX runs_by_created ON runs (created_at);
CREATE INDEX attempts_by_learner_created ON attempts (learner_id, created_at);
