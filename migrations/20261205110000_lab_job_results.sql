-- What a finished lab job answered when its result is not a saved run (the
-- timing demo's report, a learner kernel's outcome, the measured roofs), as
-- JSON, written in the transaction that marks the job done.
ALTER TABLE lab_jobs ADD COLUMN result TEXT;
