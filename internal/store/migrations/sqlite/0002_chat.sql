-- Chat: teams, channels (public, private, direct, group), members with their
-- read position, posts with threads, edits and reactions, and the event log
-- that lets a reconnecting client ask for what it missed.
CREATE TABLE teams (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    open          INTEGER NOT NULL DEFAULT 0,
    archived_at   INTEGER,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    admin      INTEGER NOT NULL DEFAULT 0,
    joined_at  INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE channels (
    id             INTEGER PRIMARY KEY,
    team_id        INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('public', 'private', 'direct', 'group')),
    name           TEXT NOT NULL,
    display_name   TEXT NOT NULL DEFAULT '',
    purpose        TEXT NOT NULL DEFAULT '',
    header         TEXT NOT NULL DEFAULT '',
    shared         INTEGER NOT NULL DEFAULT 0,
    ends_at        INTEGER,
    archived_at    INTEGER,
    created_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    last_post_id   INTEGER NOT NULL DEFAULT 0,
    last_post_at   INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX channels_team_name ON channels (team_id, name) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX channels_direct_name ON channels (name) WHERE team_id IS NULL;

CREATE TABLE channel_members (
    channel_id     INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    admin          INTEGER NOT NULL DEFAULT 0,
    notify         TEXT NOT NULL DEFAULT 'default' CHECK (notify IN ('default', 'all', 'mentions', 'none')),
    muted          INTEGER NOT NULL DEFAULT 0,
    favorite       INTEGER NOT NULL DEFAULT 0,
    sort_order     INTEGER NOT NULL DEFAULT 0,
    last_read_id   INTEGER NOT NULL DEFAULT 0,
    mention_count  INTEGER NOT NULL DEFAULT 0,
    joined_at      INTEGER NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX channel_members_user ON channel_members (user_id);

CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    channel_id     INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    root_id        INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    message        TEXT NOT NULL,
    props          TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    edited_at      INTEGER,
    deleted_at     INTEGER,
    reply_count    INTEGER NOT NULL DEFAULT 0,
    last_reply_at  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX posts_channel_roots ON posts (channel_id, id) WHERE root_id IS NULL;
CREATE INDEX posts_thread ON posts (root_id, id) WHERE root_id IS NOT NULL;

CREATE TABLE post_edits (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    message    TEXT NOT NULL,
    edited_at  INTEGER NOT NULL
);
CREATE INDEX post_edits_post ON post_edits (post_id);

CREATE TABLE reactions (
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    emoji       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id, emoji)
);

-- Every change a client may need to see, in commit order. Written in the
-- transaction of the change; pruned after a day.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT NOT NULL,
    team_id     INTEGER,
    channel_id  INTEGER,
    user_id     INTEGER,
    data        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX events_channel ON events (channel_id, id) WHERE channel_id IS NOT NULL;
CREATE INDEX events_user ON events (user_id, id) WHERE user_id IS NOT NULL;
