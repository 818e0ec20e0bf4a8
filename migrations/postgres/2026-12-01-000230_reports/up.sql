-- Reports (Flag activities) about a group's posts or members (issue #12),
-- one row per group the Flag concerns; moderators are told by direct
-- message and resolve them with `demesh report resolve`.
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    -- the Flag's id and its signer (often the reporter's instance actor:
    -- Mastodon and GoToSocial keep the reporter anonymous)
    activity_id TEXT NOT NULL,
    reporter_uri TEXT NOT NULL,
    comment TEXT NOT NULL,
    -- JSON arrays: the group notes named, with their original authors, and
    -- the members named
    posts_json TEXT NOT NULL,
    accounts_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    resolved_at BIGINT,
    UNIQUE (group_id, activity_id)
);
