-- +goose Up
-- When quizbot last received an event from each chat account (issue 10):
-- Zalo lets an OA send consultation messages only to people who wrote to it
-- in the last 7 days, so notify checks this before sending there. An
-- account is linked in answer to its own message (a phone form, a code), so
-- the link time is a true lower bound for the accounts already linked, and
-- the default for new ones. Written at most once per account per few
-- minutes (storage.TouchInbound), so it may lag by that much: the window is
-- then judged a little short, never too long.
ALTER TABLE identities ADD COLUMN last_inbound_at timestamptz;
UPDATE identities SET last_inbound_at = created_at;
ALTER TABLE identities ALTER COLUMN last_inbound_at SET DEFAULT now();

-- A notification settled 'unreachable' because the account was outside its
-- platform's reply window (and no template message could reach them), as
-- opposed to an account that blocked the bot: the account stays reachable
-- for later, and the head's card names them to be reached by phone or in
-- person.
ALTER TABLE notifications ADD COLUMN window_closed boolean NOT NULL DEFAULT false;

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
