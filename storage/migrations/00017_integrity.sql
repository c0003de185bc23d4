-- +goose Up
-- Integrity signals (issue 11): what the organizers judge, never penalties.
--
-- contest_integrity holds the contest file's `integrity:` thresholds. They
-- only tune a report, so, unlike the contest's rules, they may change after
-- attempts exist. A contest without a row uses the defaults (quiz.Integrity).
CREATE TABLE contest_integrity (
    contest_id                   bigint PRIMARY KEY REFERENCES contests(id) ON DELETE CASCADE,
    min_seconds_per_question     integer NOT NULL CHECK (min_seconds_per_question BETWEEN 0 AND 600),
    same_answers_window_seconds  integer NOT NULL CHECK (same_answers_window_seconds BETWEEN 60 AND 86400)
);

-- identities keeps only who is linked now (one row per platform account):
-- an account unlinked and linked to someone else leaves no trace there.
-- identity_events is the append-only history of links and unlinks, written
-- by triggers so that every writer (a phone shared in chat, an activation
-- code, `member unlink`, an import that moves a member, psql) is recorded.
CREATE TABLE identity_events (
    id           bigserial PRIMARY KEY,
    platform     text NOT NULL,
    external_id  text NOT NULL,
    member_id    bigint NOT NULL, -- no foreign key: the history outlives a deleted member
    kind         text NOT NULL CHECK (kind IN ('link', 'unlink')),
    at           timestamptz NOT NULL
);
CREATE INDEX identity_events_account_idx ON identity_events(platform, external_id, at);

-- +goose StatementBegin
CREATE FUNCTION quizbot_identity_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO identity_events (platform, external_id, member_id, kind, at)
        VALUES (OLD.platform, OLD.external_id, OLD.member_id, 'unlink', now());
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO identity_events (platform, external_id, member_id, kind, at)
        VALUES (NEW.platform, NEW.external_id, NEW.member_id, 'link',
            CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE now() END);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER identities_history AFTER INSERT OR DELETE OR UPDATE OF member_id, platform, external_id ON identities
    FOR EACH ROW EXECUTE FUNCTION quizbot_identity_event();

-- What is known of the past: the accounts linked now, and the accounts that
-- spent an activation code for another member than the one they hold now
-- (activation_codes records the account that used each code; a phone link
-- before this migration left nothing).
INSERT INTO identity_events (platform, external_id, member_id, kind, at)
SELECT platform, external_id, member_id, 'link', created_at FROM identities;
INSERT INTO identity_events (platform, external_id, member_id, kind, at)
SELECT c.used_platform, c.used_external_id, c.member_id, 'link', c.used_at
FROM activation_codes c
WHERE c.used_at IS NOT NULL AND c.used_platform IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.platform = c.used_platform
        AND i.external_id = c.used_external_id AND i.member_id = c.member_id);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
