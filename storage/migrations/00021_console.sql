-- +goose Up
-- The web console (issue 12). Only hashes (sha256) of the sign-in tokens
-- and session cookies are stored: a copy of the database signs nobody in.
--
-- console_tokens: one-time sign-in links, 10 minutes, bound to a member
-- and to their roster generation at issue.
CREATE TABLE console_tokens (
    hash        bytea PRIMARY KEY,
    member_id   bigint NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    member_gen  bigint NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX console_tokens_expires_idx ON console_tokens(expires_at);

-- console_sessions: shared by every replica. A session counts only while
-- its member is active with the generation it was opened at (members.gen
-- moves on unlink and on every roster change), checked on each request.
CREATE TABLE console_sessions (
    hash        bytea PRIMARY KEY,
    member_id   bigint NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    member_gen  bigint NOT NULL,
    csrf        text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_member_idx ON console_sessions(member_id);
CREATE INDEX console_sessions_expires_idx ON console_sessions(expires_at);

-- console_audit: every change made on the console, who and when. The
-- actor's name and unit are copied: the log outlives roster changes.
CREATE TABLE console_audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    member_id   bigint NOT NULL, -- no foreign key: the log outlives a deleted member
    actor_name  text NOT NULL,
    unit_code   text NOT NULL,
    action      text NOT NULL,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX console_audit_at_idx ON console_audit(at DESC, id DESC);

-- +goose Down
DROP TABLE console_audit;
DROP TABLE console_sessions;
DROP TABLE console_tokens;
