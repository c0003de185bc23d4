-- +goose Up
-- The entries part (issue 13): units submit video clips, essays or links;
-- judges score them against the contest's rubric.

-- entry_rules is the contest file's entries: section, one row per contest
-- that has one. The kinds and prizes are kept as the file declared them.
CREATE TABLE entry_rules (
    contest_id         bigint PRIMARY KEY REFERENCES contests(id) ON DELETE CASCADE,
    opens_at           timestamptz NOT NULL,
    closes_at          timestamptz NOT NULL CHECK (closes_at > opens_at),
    judging_closes_at  timestamptz CHECK (judging_closes_at > closes_at),
    -- Set by the organizer closing the judging: scores are frozen from then.
    judging_closed_at  timestamptz,
    submitter          text NOT NULL CHECK (submitter IN ('head', 'member')),
    min_per_unit       integer NOT NULL CHECK (min_per_unit >= 0),
    max_per_unit       integer NOT NULL CHECK (max_per_unit BETWEEN 1 AND 100 AND max_per_unit >= min_per_unit),
    video              jsonb,  -- {"formats": [...], "max_duration": ns}; NULL: not accepted
    essay              jsonb,  -- {"formats": [...], "min_words", "max_words"}; NULL: not accepted
    link               boolean NOT NULL,
    combine            text NOT NULL CHECK (combine IN ('mean', 'trimmed')),
    blind              boolean NOT NULL,
    prizes             jsonb NOT NULL,
    CHECK (video IS NOT NULL OR essay IS NOT NULL OR link)
);

-- The rubric, by position (0-based, the file's order).
CREATE TABLE entry_criteria (
    contest_id   bigint NOT NULL REFERENCES entry_rules(contest_id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 0),
    name         text NOT NULL CHECK (btrim(name) <> ''),
    description  text NOT NULL DEFAULT '',
    max_points   integer NOT NULL CHECK (max_points BETWEEN 1 AND 1000),
    PRIMARY KEY (contest_id, position),
    -- For entry_scores' foreign key, which carries the maximum to check.
    UNIQUE (contest_id, position, max_points)
);

CREATE TABLE entry_judges (
    contest_id  bigint NOT NULL REFERENCES entry_rules(contest_id) ON DELETE CASCADE,
    member_id   bigint NOT NULL REFERENCES members(id),
    PRIMARY KEY (contest_id, member_id)
);

-- A stored file, named under ENTRIES_DIR by its sha256: two entries of the
-- same file share it.
CREATE TABLE entry_files (
    hash         text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    size         bigint NOT NULL CHECK (size > 0),
    format       text NOT NULL CHECK (format IN ('mp4', 'mov', 'webm', 'pdf', 'docx')),
    duration_ms  bigint CHECK (duration_ms >= 0),
    words        integer CHECK (words >= 0),
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entries (
    id             bigserial PRIMARY KEY,
    contest_id     bigint NOT NULL REFERENCES entry_rules(contest_id) ON DELETE CASCADE,
    unit_id        bigint NOT NULL REFERENCES units(id),
    submitted_by   bigint NOT NULL REFERENCES members(id),
    title          text NOT NULL CHECK (btrim(title) <> '' AND char_length(title) <= 300),
    authors        text NOT NULL CHECK (btrim(authors) <> '' AND char_length(authors) <= 500),
    kind           text NOT NULL CHECK (kind IN ('video', 'essay', 'link')),
    file_hash      text REFERENCES entry_files(hash),
    original_name  text NOT NULL DEFAULT '',
    url            text CHECK (url ~ '^https?://'),
    submitted_at   timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    -- When the receipt of the frozen entry (after the close) was claimed
    -- for sending: once, by one replica.
    frozen_receipt_at timestamptz,
    -- A file for a video or an essay, a URL for a link: never both.
    CHECK ((kind = 'link') = (url IS NOT NULL) AND (kind = 'link') = (file_hash IS NULL))
);
CREATE INDEX entries_unit_idx ON entries(contest_id, unit_id);

-- One judge's points for one criterion of one entry, in hundredths (7,5 is
-- 750), never above the criterion's maximum: the foreign key brings the
-- maximum along so that a CHECK can hold it.
CREATE TABLE entry_scores (
    entry_id    bigint NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    judge_id    bigint NOT NULL REFERENCES members(id),
    contest_id  bigint NOT NULL,
    criterion   integer NOT NULL,
    max_points  integer NOT NULL,
    points      integer NOT NULL CHECK (points >= 0 AND points <= max_points * 100),
    comment     text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 2000),
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (entry_id, judge_id, criterion),
    FOREIGN KEY (contest_id, criterion, max_points) REFERENCES entry_criteria(contest_id, position, max_points) ON UPDATE CASCADE,
    FOREIGN KEY (contest_id, judge_id) REFERENCES entry_judges(contest_id, member_id)
);

-- The /nopbai dialogue in chat: what the member typed so far, until it
-- expires.
CREATE TABLE entry_drafts (
    member_id   bigint PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    contest_id  bigint NOT NULL REFERENCES entry_rules(contest_id) ON DELETE CASCADE,
    replace_id  bigint REFERENCES entries(id) ON DELETE CASCADE,
    step        text NOT NULL CHECK (step IN ('title', 'authors', 'file')),
    title       text NOT NULL DEFAULT '',
    authors     text NOT NULL DEFAULT '',
    expires_at  timestamptz NOT NULL
);

-- +goose Down
-- Forward-only: no down migration.
SELECT 1;
