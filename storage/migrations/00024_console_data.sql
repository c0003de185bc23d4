-- +goose Up
-- The text of the contest file last applied, as the organizer wrote it
-- (comments and all), so that the web console can show it for editing.
-- NULL for a contest applied before this column existed.
ALTER TABLE contests ADD COLUMN source text;

-- console_uploads: a file uploaded on the console's Dữ liệu page, kept
-- between its preview and the organizer's confirmation (so that what is
-- applied is the very file previewed, on whichever replica the confirmation
-- lands). Bound to the session that uploaded it: signing out drops it.
CREATE TABLE console_uploads (
    id            text PRIMARY KEY,
    session_hash  bytea NOT NULL REFERENCES console_sessions(hash) ON DELETE CASCADE,
    kind          text NOT NULL,
    file_name     text NOT NULL,
    data          bytea NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX console_uploads_session_idx ON console_uploads(session_hash);
CREATE INDEX console_uploads_created_idx ON console_uploads(created_at);

-- +goose Down
DROP TABLE console_uploads;
ALTER TABLE contests DROP COLUMN source;
