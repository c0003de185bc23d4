-- +goose Up
-- PostgreSQL is the record; Redis only caches sessions and who is behind a
-- chat account, and a Redis restored from an older snapshot brings back old
-- copies of both. Two counters let quizbot tell a copy is old without reading
-- the record on every event: the copy carries the counter it was made at, and
-- the writes that must not act on an old copy compare it.
--
-- attempts.version counts the changes of an attempt: every answer stored,
-- the submission and the prediction (storage/answers.go, quizbot_submit_attempt
-- below, SetPrediction). A quiz session (quiz.Session) made at version v is
-- current while the attempt is still at v.
ALTER TABLE attempts ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- members.gen counts the changes of who a member is to the bots: their roster
-- entry (name, phone, unit, position, role, active) and the unlinking of an
-- account. Triggers keep it, so that any writer (an import, `member unlink`,
-- an operator's psql) invalidates the cached copies; a cached member whose gen
-- differs from the row's is not obeyed.
ALTER TABLE members ADD COLUMN gen bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION quizbot_member_gen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.full_name, NEW.phone, NEW.unit_id, NEW.position, NEW.role, NEW.active)
        IS DISTINCT FROM (OLD.full_name, OLD.phone, OLD.unit_id, OLD.position, OLD.role, OLD.active) THEN
        NEW.gen := OLD.gen + 1;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER members_gen BEFORE UPDATE ON members
    FOR EACH ROW EXECUTE FUNCTION quizbot_member_gen();

-- +goose StatementBegin
CREATE FUNCTION quizbot_identity_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members SET gen = gen + 1 WHERE id = OLD.member_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER identities_gone AFTER DELETE OR UPDATE OF member_id, platform, external_id ON identities
    FOR EACH ROW EXECUTE FUNCTION quizbot_identity_gone();

-- quizbot_submit_attempt as in 00007, and the submission bumps the version.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION quizbot_submit_attempt(p_id bigint, p_at timestamptz)
RETURNS TABLE (attempt attempts, closed boolean)
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    a attempts;
BEGIN
    SELECT * INTO a FROM attempts WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    closed := a.submitted_at IS NULL;
    IF closed THEN
        UPDATE attempts SET submitted_at = least(p_at, a.deadline), version = a.version + 1,
            correct = (SELECT count(*) FROM answers WHERE attempt_id = p_id AND is_correct)
        WHERE id = p_id
        RETURNING * INTO a;
    END IF;
    attempt := a;
    RETURN NEXT;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
