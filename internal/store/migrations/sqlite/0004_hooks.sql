-- Integrations: incoming webhooks (a secret URL that posts into a channel),
-- outgoing webhooks (posts that start with a trigger word are sent to a URL)
-- and bot accounts.

-- A bot is an account that posts through the API with a token; it has no
-- password and cannot sign in.
ALTER TABLE users ADD COLUMN bot INTEGER NOT NULL DEFAULT 0;

-- Only the SHA-256 of the hook's secret (the last part of its URL) is kept.
CREATE TABLE incoming_hooks (
    id          INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    token_hash  BLOB NOT NULL UNIQUE,
    created_by  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incoming_hooks_channel ON incoming_hooks (channel_id);

-- channel_id NULL would make a hook watch every public channel of its team
-- (the API only creates channel hooks today). The token is sent to the
-- receiver, which checks it: it must be kept in clear.
CREATE TABLE outgoing_hooks (
    id             INTEGER PRIMARY KEY,
    team_id        INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    channel_id     INTEGER REFERENCES channels (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    trigger_words  TEXT NOT NULL,
    callback_url   TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('form', 'json')),
    token          TEXT NOT NULL,
    created_by     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outgoing_hooks_channel ON outgoing_hooks (channel_id);
CREATE INDEX outgoing_hooks_team ON outgoing_hooks (team_id);

-- Every node sees every post event: the node that records (hook, post) first
-- sends it, the others do not. Pruned after a day.
CREATE TABLE outgoing_deliveries (
    hook_id     INTEGER NOT NULL REFERENCES outgoing_hooks (id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (hook_id, post_id)
);
CREATE INDEX outgoing_deliveries_created ON outgoing_deliveries (created_at);
