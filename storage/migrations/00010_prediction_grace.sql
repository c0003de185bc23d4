-- +goose Up
-- How long after an attempt's deadline its prediction is still accepted
-- (contest file: prediction_grace; 0, the default, means only within the
-- time limit). The window closes no later than the round.
ALTER TABLE contests ADD COLUMN prediction_grace_seconds integer NOT NULL DEFAULT 0
    CHECK (prediction_grace_seconds >= 0);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
