-- Which variant of a question with variants an attempt answered (NULL: the
-- question's numbers are fixed), so its feedback shows the numbers it was given.
ALTER TABLE attempts ADD COLUMN variant INTEGER;
