-- +goose Up
-- Why a member did not take part in a round, recorded by the head of their
-- unit (issue 4) and shown in the absent report. One reason per member and
-- round: recording again replaces it. recorded_by is the head's member id;
-- NULL when an operator recorded it from the command line.
CREATE TABLE excuses (
    round_id     bigint NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    member_id    bigint NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    reason       text NOT NULL CHECK (btrim(reason) <> ''),
    recorded_by  bigint REFERENCES members(id) ON DELETE SET NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (round_id, member_id)
);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
