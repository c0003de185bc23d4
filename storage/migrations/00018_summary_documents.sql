-- +goose Up
-- A summary's workbook, kept once however many notifications attach it: the
-- province's goes to every organizer, a unit's slice to each of its heads.
-- Notifications refer to it from their payload (doc.ref); scope is the
-- unit's code, or '' for the province; sha256 is the content's, so that a
-- job run again with the same figures stores nothing new.
CREATE TABLE summary_documents (
    id          bigserial PRIMARY KEY,
    round_id    bigint NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    scope       text NOT NULL,
    sha256      bytea NOT NULL,
    data        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (round_id, scope, sha256)
);

-- +goose Down
DROP TABLE summary_documents;
