-- The members a new post may notify without a mention (notify = 'all', or
-- 'default' in direct messages) are found without reading the whole channel.
CREATE INDEX channel_members_notify ON channel_members (channel_id, notify);
