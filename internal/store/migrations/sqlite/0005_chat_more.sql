-- Chat, continued: rendered HTML kept with each post (rendering is costly:
-- done once on write), attachments, pinned and saved posts, followed threads
-- with their read position, and retention policies.
ALTER TABLE posts ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN pinned_at INTEGER;

CREATE TABLE files (
    id          INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    post_id     INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    blob_key    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    width       INTEGER NOT NULL DEFAULT 0,
    height      INTEGER NOT NULL DEFAULT 0,
    thumb_key   TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX files_post ON files (post_id);
CREATE INDEX files_unattached ON files (created_at) WHERE post_id IS NULL;

CREATE TABLE saved_posts (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, post_id)
);

CREATE TABLE thread_follows (
    root_id        INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    following      INTEGER NOT NULL DEFAULT 1,
    last_read_id   INTEGER NOT NULL DEFAULT 0,
    mention_count  INTEGER NOT NULL DEFAULT 0,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (root_id, user_id)
);
CREATE INDEX thread_follows_user ON thread_follows (user_id, root_id);

CREATE TABLE retention_policies (
    id          INTEGER PRIMARY KEY,
    team_id     INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    channel_id  INTEGER REFERENCES channels (id) ON DELETE CASCADE,
    days        INTEGER NOT NULL CHECK (days > 0),
    CHECK ((team_id IS NULL) <> (channel_id IS NULL))
);
CREATE UNIQUE INDEX retention_team ON retention_policies (team_id) WHERE team_id IS NOT NULL;
CREATE UNIQUE INDEX retention_channel ON retention_policies (channel_id) WHERE channel_id IS NOT NULL;
