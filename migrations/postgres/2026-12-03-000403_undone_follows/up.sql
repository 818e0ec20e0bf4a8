-- Follow ids their author undid (Undo{Follow}). A server that retries an
-- old Follow after its Undo (Mitra retries refused deliveries for hours)
-- must not have it taken for the member's live Follow: the group's next
-- Accept or Reject would then name a Follow the server no longer knows.
CREATE TABLE undone_follows (
    id BIGSERIAL PRIMARY KEY,
    follow_id TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    undone_at BIGINT NOT NULL,
    UNIQUE (follow_id, actor_uri)
);
