-- Every moderation command, from the CLI or from a moderator's app
-- (issue #12): who ('cli' or the moderator's actor URI), what (the command
-- as given), when, and what came of it. Server-wide commands (blocks)
-- have no group.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT REFERENCES "groups" (id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    command TEXT NOT NULL,
    -- 'ok', 'failed' or 'refused', then what was done or why not
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'refused')),
    result TEXT NOT NULL,
    -- the direct message that carried the command, so a retried activity
    -- is not carried out twice
    activity_id TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (group_id, activity_id)
);
CREATE INDEX audit_log_group ON audit_log (group_id, created_at);
