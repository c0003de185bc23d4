-- +goose Up
-- One-time activation codes (issue 10): a member who cannot prove a phone
-- (Zalo hands a bot none) binds a chat account with a code their unit's
-- head hands out. Only the code's hash is stored (quiz.HashCode). A row per
-- code issued: a re-issue voids the member's live code (voided_at) and adds
-- a new row, so that an old slip gets a clear "replaced" answer.
CREATE TABLE activation_codes (
    id                bigserial PRIMARY KEY,
    member_id         bigint NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    code_hash         bytea NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    issued_at         timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    voided_at         timestamptz,
    used_at           timestamptz,
    used_platform     text,
    used_external_id  text,
    CHECK (expires_at > issued_at)
);
-- At most one live (neither used nor voided) code per member.
CREATE UNIQUE INDEX activation_codes_live_idx ON activation_codes(member_id)
    WHERE used_at IS NULL AND voided_at IS NULL;

-- Wrong codes per chat account, shared by every replica: five within an
-- hour lock the account out of activation for an hour (quiz.CodeLockout).
CREATE TABLE activation_failures (
    platform      text NOT NULL,
    external_id   text NOT NULL,
    failures      integer NOT NULL CHECK (failures >= 0),
    first_at      timestamptz NOT NULL,
    locked_until  timestamptz,
    PRIMARY KEY (platform, external_id)
);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
