-- +goose Up
-- How many judges score each entry (the contest file's entries.assign:
-- {per_entry: N}); 0: every judge scores every entry (assign: all).
-- Who gets which is computed (quiz.AssignJudges), not stored.
ALTER TABLE entry_rules ADD COLUMN per_entry integer NOT NULL DEFAULT 0 CHECK (per_entry >= 0);

-- +goose Down
ALTER TABLE entry_rules DROP COLUMN per_entry;
