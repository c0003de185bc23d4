-- +goose Up
-- Units form a tree: province → departments and districts → communes.
CREATE TABLE units (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code <> ''),
    name        text NOT NULL CHECK (name <> ''),
    parent_id   bigint REFERENCES units(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX units_parent_idx ON units(parent_id);

-- Members are civil servants on a unit's roster. phone is normalized
-- (quiz.NormalizePhone). A member dropped from a re-imported roster is made
-- inactive, never deleted, so past results stay.
CREATE TABLE members (
    id          bigserial PRIMARY KEY,
    full_name   text NOT NULL CHECK (full_name <> ''),
    phone       text NOT NULL UNIQUE CHECK (phone ~ '^0[1-9][0-9]{8,9}$'),
    unit_id     bigint NOT NULL REFERENCES units(id),
    position    text NOT NULL DEFAULT '',
    role        text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'head', 'organizer')),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_unit_idx ON members(unit_id) WHERE active;

-- A member's account on a platform: at most one per platform per member, and
-- one account belongs to one member.
CREATE TABLE identities (
    id              bigserial PRIMARY KEY,
    member_id       bigint NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    platform        text NOT NULL CHECK (platform IN ('telegram', 'zalo', 'web')),
    external_id     text NOT NULL,
    chat_id         text NOT NULL,
    unreachable_at  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (platform, external_id),
    UNIQUE (member_id, platform)
);

-- The question bank: 2–6 options, exactly one correct (an index into options).
CREATE TABLE questions (
    id           bigserial PRIMARY KEY,
    code         text NOT NULL UNIQUE CHECK (code <> ''),
    text         text NOT NULL CHECK (text <> ''),
    options      text[] NOT NULL CHECK (cardinality(options) BETWEEN 2 AND 6),
    correct      smallint NOT NULL,
    explanation  text NOT NULL DEFAULT '',
    topic        text NOT NULL DEFAULT '',
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (correct >= 0 AND correct < cardinality(options))
);
CREATE INDEX questions_topic_idx ON questions(topic) WHERE active;

CREATE TABLE contests (
    id                     bigserial PRIMARY KEY,
    code                   text NOT NULL UNIQUE CHECK (code <> ''),
    name                   text NOT NULL,
    timezone               text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    questions_per_attempt  integer NOT NULL CHECK (questions_per_attempt > 0),
    time_limit_seconds     integer NOT NULL CHECK (time_limit_seconds > 0),
    attempts_per_round     integer NOT NULL DEFAULT 1 CHECK (attempts_per_round > 0),
    prediction             text NOT NULL DEFAULT '',
    prediction_target      text NOT NULL DEFAULT 'participants' CHECK (prediction_target IN ('participants', 'perfect')),
    reveal                 text NOT NULL DEFAULT 'after_close' CHECK (reveal IN ('after_close', 'immediately')),
    reminders              text[] NOT NULL DEFAULT '{}',
    summary                text NOT NULL DEFAULT '',
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- Weekly rounds (đợt thi). topics empty = the whole active bank.
CREATE TABLE rounds (
    id          bigserial PRIMARY KEY,
    contest_id  bigint NOT NULL REFERENCES contests(id) ON DELETE CASCADE,
    number      integer NOT NULL CHECK (number > 0),
    opens_at    timestamptz NOT NULL,
    closes_at   timestamptz NOT NULL,
    topics      text[] NOT NULL DEFAULT '{}',
    UNIQUE (contest_id, number),
    CHECK (closes_at > opens_at)
);
CREATE INDEX rounds_window_idx ON rounds(opens_at, closes_at);

-- One member's try at a round. seq counts attempts within the round.
CREATE TABLE attempts (
    id            bigserial PRIMARY KEY,
    round_id      bigint NOT NULL REFERENCES rounds(id),
    member_id     bigint NOT NULL REFERENCES members(id),
    seq           integer NOT NULL CHECK (seq > 0),
    platform      text NOT NULL,
    started_at    timestamptz NOT NULL,
    deadline      timestamptz NOT NULL,
    submitted_at  timestamptz,
    correct       integer NOT NULL DEFAULT 0,
    total         integer NOT NULL,
    prediction    bigint CHECK (prediction IS NULL OR prediction >= 0),
    UNIQUE (round_id, member_id, seq)
);
CREATE INDEX attempts_member_idx ON attempts(member_id, round_id);
-- At most one unfinished attempt per member and round.
CREATE UNIQUE INDEX attempts_one_open_idx ON attempts(round_id, member_id) WHERE submitted_at IS NULL;
CREATE INDEX attempts_open_deadline_idx ON attempts(deadline) WHERE submitted_at IS NULL;

-- The questions drawn for an attempt, their shuffled option order, and the
-- answer once given (chosen is an index into questions.options).
CREATE TABLE answers (
    attempt_id    bigint NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position      smallint NOT NULL,
    question_id   bigint NOT NULL REFERENCES questions(id),
    option_order  smallint[] NOT NULL,
    chosen        smallint,
    is_correct    boolean,
    answered_at   timestamptz,
    PRIMARY KEY (attempt_id, position)
);

-- Every notification is recorded, keyed for deduplication, before it is sent.
CREATE TABLE notifications (
    id               bigserial PRIMARY KEY,
    dedup_key        text NOT NULL UNIQUE,
    kind             text NOT NULL,
    round_id         bigint REFERENCES rounds(id),
    member_id        bigint REFERENCES members(id),
    platform         text NOT NULL,
    chat_id          text NOT NULL,
    payload          jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unreachable')),
    tries            integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz
);
CREATE INDEX notifications_due_idx ON notifications(platform, next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX notifications_round_idx ON notifications(round_id, kind, status);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
