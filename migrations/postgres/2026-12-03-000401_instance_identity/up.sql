-- The public URL this database's identities live at (issue #26): every
-- group's actor id, key id and activity id starts with it, and other
-- servers remember them, so it cannot change under a running instance.
-- Filled by the first process that opens the database after migrating
-- (the URL is configuration, which a migration cannot see); one row only.
CREATE TABLE instance_identity (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    base_url TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
