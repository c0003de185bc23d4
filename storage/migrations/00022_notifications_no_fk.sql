-- +goose Up
-- The notifications queue stops paying a foreign-key check per enqueued
-- row (about a third of enqueuing a million reminders: each check looks the
-- member and the round up and locks the member's row FOR KEY SHARE,
-- BENCHMARKS.md "Notifications"). Neither key guards anything a delete
-- could break:
--   - members are never deleted, only made inactive (storage/members.go),
--     and every notification's member comes from the members table in the
--     statement that queues it;
--   - a round is deleted only when a contest file drops it, and
--     storage/contests.go (saveRounds) detaches its notifications
--     (round_id NULL) in the same transaction, before the delete.
-- What the queue guarantees stays with its own indexes: one notification
-- per dedup key (the unique index), claims and leases (the partial
-- indexes), the round's reads (notifications_round_idx).
ALTER TABLE notifications
    DROP CONSTRAINT notifications_member_id_fkey,
    DROP CONSTRAINT notifications_round_id_fkey;

-- +goose Down
-- Fails if a notification refers to a member or round that is gone.
ALTER TABLE notifications
    ADD CONSTRAINT notifications_member_id_fkey FOREIGN KEY (member_id) REFERENCES members(id),
    ADD CONSTRAINT notifications_round_id_fkey FOREIGN KEY (round_id) REFERENCES rounds(id);
