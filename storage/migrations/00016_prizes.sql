-- +goose Up
-- The contest file's prizes: section (issue 11), as the file declared it
-- (report.Prizes in JSON); NULL when the file has none.
ALTER TABLE contests ADD COLUMN prizes jsonb;

-- The figure each round's prediction question is measured against, frozen
-- by the first report made once nothing in the round can change any more
-- (closes_at + time limit + prediction grace): the published ranking keeps
-- its figure even if attempts or the roster are corrected later, and every
-- re-run prints the same one. Written once (ON CONFLICT DO NOTHING).
CREATE TABLE round_actuals (
    round_id    bigint PRIMARY KEY REFERENCES rounds(id) ON DELETE CASCADE,
    target      text NOT NULL CHECK (target IN ('participants', 'perfect')),
    actual      bigint NOT NULL CHECK (actual >= 0),
    frozen_at   timestamptz NOT NULL
);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
