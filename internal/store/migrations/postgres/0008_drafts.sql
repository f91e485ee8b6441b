-- Drafts kept on the server: one per user, channel and thread (root_id 0 is
-- the channel's own composer), so that a message started on one device is
-- there on another. Text only: attachments are uploaded when chosen and
-- deleted a day later unless a post takes them, so a draft does not hold
-- them. root_id has no foreign key (0 is not a post); drafts of a deleted
-- thread are left out of lists.
CREATE TABLE drafts (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel_id  BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    root_id     BIGINT NOT NULL DEFAULT 0,
    message     TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, channel_id, root_id)
);
CREATE INDEX drafts_channel ON drafts (channel_id);
