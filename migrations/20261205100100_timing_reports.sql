-- The timing demo's reports, kept for 30 minutes (at most 64) so that the page
-- a form post is redirected to can show one, whichever web instance serves it
-- (see lab_storage::timing_reports). The report is its JSON.
CREATE TABLE timing_reports (
    id          TEXT    NOT NULL PRIMARY KEY,
    kept_at_ms  INTEGER NOT NULL,
    report      TEXT    NOT NULL
);
CREATE INDEX timing_reports_kept_at ON timing_reports (kept_at_ms);
