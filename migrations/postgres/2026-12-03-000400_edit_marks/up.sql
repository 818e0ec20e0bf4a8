-- Issue #24: edits applied in order. Per edited object (a member's post,
-- or an actor's profile), the order mark of the last edit applied: its
-- `updated` in ms, or its arrival time when it has none. An edit with an
-- older mark is recorded and dropped (a retried older Update must not
-- overwrite a newer one).
CREATE TABLE edit_marks (
    object_id TEXT PRIMARY KEY,
    mark BIGINT NOT NULL
);
