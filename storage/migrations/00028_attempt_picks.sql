-- +goose Up
-- The identical-answers signal (storage/signals.go, SameAnswerPairs)
-- compares each closed attempt's choices with those of its unit's
-- neighbours, and the item analysis (storage/items.go) counts every
-- question's choices by the attempts' scores. Reading them from answers
-- costs an index scan per attempt, or a scan and a hash join of every answer
-- of the round: seconds for a national round of a million attempts. So each
-- attempt's questions and choices are kept on the attempt, written once,
-- when it closes.
--
-- A pick is a drawn question and the option chosen, one bigint:
-- ((question_id × 65536) + chosen + 32768) × 2 + 1 if the option is wrong,
-- with chosen 32767 (no option has that number) for a question left
-- unanswered. Two picks shifted right by one are equal exactly when the
-- question and the option are; shifted by 17, they give the question.
-- Sorted, the picks of an attempt are in question order. is_correct is set
-- with chosen (storage/answers.go), so a pick's last bit is its answer's
-- NOT is_correct.
-- In PL/pgSQL, whose statements are planned once per session: a SQL
-- function's query (PostgreSQL 15) is planned again in every statement that
-- calls it, 60 µs added to a submission's UPDATE instead of 16 µs (10,000
-- UPDATEs of a national round's attempts, each way).
-- +goose StatementBegin
CREATE FUNCTION quizbot_attempt_picks(p_id bigint) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(v ORDER BY v), '{}')
        FROM (SELECT (question_id * 65536 + coalesce(chosen, 32767) + 32768) * 2 + (is_correct IS FALSE)::int AS v
            FROM answers WHERE attempt_id = p_id) x);
END
$$;
-- +goose StatementEnd

-- NULL: not written (an attempt still open, or closed before this
-- migration): the readers compute quizbot_attempt_picks instead.
ALTER TABLE attempts ADD COLUMN picks bigint[];

-- quizbot_submit_attempt as in 00009, and the submission writes the picks.
-- Answers are stored only while the attempt is open (storage/answers.go), so
-- the picks written here never go stale.
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
            correct = (SELECT count(*) FROM answers WHERE attempt_id = p_id AND is_correct),
            picks = quizbot_attempt_picks(p_id)
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
