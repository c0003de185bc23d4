-- +goose Up
-- Delivery bookkeeping for notifications (package notify).
--
-- While a row is 'sending', next_attempt_at is the end of its lease: a sender
-- that has not recorded an outcome by then is presumed dead and the row goes
-- back to 'queued'. claimed_at identifies one claim, so that a sender whose
-- lease ran out cannot record an outcome over the claim of another.
-- parts_sent counts the messages of a multi-part notification (a summary
-- card split under 4096 characters, then its workbook) already delivered, so
-- that a retry resumes after them.
ALTER TABLE notifications
    ADD COLUMN claimed_at timestamptz,
    ADD COLUMN parts_sent integer NOT NULL DEFAULT 0;
-- 'cancelled': no longer worth sending when its turn came (the member took
-- part or was excused meanwhile, the round closed, the account was unlinked).
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unreachable', 'cancelled'));
CREATE INDEX notifications_lease_idx ON notifications(next_attempt_at) WHERE status = 'sending';

-- One row per scheduled job (kind, round, slot) once it has enqueued its
-- notifications: what the scheduler checks to catch up on slots missed while
-- the service was down. The notifications' dedup keys, not this table, are
-- what prevents a second send.
CREATE TABLE notify_jobs (
    kind        text NOT NULL,
    round_id    bigint NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    slot        text NOT NULL,
    enqueued    integer NOT NULL DEFAULT 0,
    done_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, round_id, slot)
);

-- A head who tapped "Lý do khác" in /lydo: their next typed text is the
-- reason for member_id in round_id. One pending prompt per head.
CREATE TABLE excuse_prompts (
    head_id     bigint PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    round_id    bigint NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
    member_id   bigint NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL
);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
