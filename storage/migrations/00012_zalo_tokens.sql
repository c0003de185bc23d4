-- +goose Up
-- The Zalo OA's OAuth pair, one row per Zalo app. Zalo's refresh token works
-- once: every refresh returns a new pair, which replaces this row in the
-- transaction that holds the row's lock (SELECT … FOR UPDATE), so that two
-- replicas never spend the same refresh token. A row whose tokens are NULL
-- is only a lock being taken for a first pair.
CREATE TABLE zalo_tokens (
    app_id        text PRIMARY KEY,
    access_token  text,
    refresh_token text,
    expires_at    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((access_token IS NULL) = (refresh_token IS NULL) AND (access_token IS NULL) = (expires_at IS NULL))
);

-- +goose Down
DROP TABLE zalo_tokens;
