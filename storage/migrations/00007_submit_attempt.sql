-- +goose Up
-- quizbot_submit_attempt is storage.SubmitAttempt (storage/attempts.go) in one
-- round trip: it closes attempt p_id at p_at, capped at the attempt's
-- deadline, counting its correct answers, and returns the attempt as it is
-- afterwards with whether this call closed it; no row for an unknown id. An
-- attempt already closed is returned as it is.
--
-- Why a function and not one UPDATE: RecordAnswer takes FOR SHARE on the
-- attempt row while it stores an answer, so a submission waits for an answer
-- being stored. A lone UPDATE that waits for that lock re-checks the row once
-- the lock is free (EvalPlanQual), but its count of correct answers is still
-- evaluated with the snapshot taken when the UPDATE began, before the answer
-- committed, and misses it. In a VOLATILE plpgsql function under READ
-- COMMITTED every statement takes a fresh snapshot, so the UPDATE, which
-- starts once the SELECT … FOR UPDATE holds the lock, counts every answer
-- committed before it (TestSubmitAttemptCountsAnswerCommittedWhileWaiting).
-- +goose StatementBegin
CREATE FUNCTION quizbot_submit_attempt(p_id bigint, p_at timestamptz)
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
        UPDATE attempts SET submitted_at = least(p_at, a.deadline),
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
