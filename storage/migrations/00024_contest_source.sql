-- +goose Up
-- The text of the contest file last applied, as the organizer wrote it
-- (comments and all), so that the web console can show it for editing.
-- NULL for a contest applied before this column existed.
ALTER TABLE contests ADD COLUMN source text;

-- +goose Down
ALTER TABLE contests DROP COLUMN source;
