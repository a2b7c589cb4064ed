-- Spaced review: one FSRS card per learner and question (rs-fsrs's `Card` as JSON),
-- bounded by the questions in content/ and deleted with the learner.
CREATE TABLE review_cards (
    learner_id     INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
    question_id    TEXT    NOT NULL,
    -- When the card is due, RFC 3339 UTC with milliseconds: compares as text.
    due            TEXT    NOT NULL,
    card           TEXT    NOT NULL,
    -- The card before the current review session and the rating it got, so that a
    -- wrong first answer followed by a right retry is re-rated Hard, not Again.
    session_base   TEXT,
    session_rating INTEGER NOT NULL CHECK (session_rating BETWEEN 1 AND 4),
    -- Reviews answered right at the first try when the card was due.
    reviews_passed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (learner_id, question_id)
) WITHOUT ROWID;

CREATE INDEX review_cards_due ON review_cards (learner_id, due);
