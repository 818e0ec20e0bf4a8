-- Issue #23 (Mastodon fidelity).
-- reply_notices: the direct message "X replied to your post" sent to a
-- parent's author, at most one per thread (context) per person per
-- 10 minutes: the last one sent is kept here.
CREATE TABLE reply_notices (
    id BIGSERIAL PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES "groups"(id) ON DELETE CASCADE,
    actor_uri TEXT NOT NULL,
    context_id TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    UNIQUE (group_id, actor_uri, context_id)
);
-- late_notices: the last "you missed N posts" direct message a member got
-- after their server came back; posts published before it are not listed
-- again.
CREATE TABLE late_notices (
    id BIGSERIAL PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES "groups"(id) ON DELETE CASCADE,
    actor_uri TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    UNIQUE (group_id, actor_uri)
);
