-- Direct messages the group sent one account (request notices, command
-- answers, reports to moderators; issue #12): each Note has an id on our
-- host, unique and kept here so what the group said can be audited.
CREATE TABLE direct_messages (
    id BIGSERIAL PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    recipient_uri TEXT NOT NULL,
    note_id TEXT NOT NULL UNIQUE,
    create_id TEXT NOT NULL UNIQUE,
    -- the text as the group wrote it (plain text; the Note carries HTML)
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX direct_messages_recipient ON direct_messages (group_id, recipient_uri);
