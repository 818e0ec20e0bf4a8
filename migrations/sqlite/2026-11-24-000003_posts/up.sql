-- What the group does with a member post that is visible outside the group
-- (addressed to Public or to the author's own followers): warn, reject, allow.
ALTER TABLE "groups" ADD COLUMN leak_guard TEXT NOT NULL DEFAULT 'warn';

-- The author's followers collection, to recognise posts addressed to it.
ALTER TABLE remote_actors ADD COLUMN followers TEXT;

-- The group's copies of member posts.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    -- our Note id and the id of the Create that published it
    note_id TEXT NOT NULL UNIQUE,
    create_id TEXT NOT NULL UNIQUE,
    -- the member's own object id (to map replies, edits and deletes)
    original_id TEXT NOT NULL,
    author_uri TEXT NOT NULL,
    in_reply_to BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    context_id TEXT NOT NULL,
    -- the current Note, as sent
    note_json TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT,
    UNIQUE (group_id, original_id)
);
CREATE INDEX posts_original ON posts (original_id);
