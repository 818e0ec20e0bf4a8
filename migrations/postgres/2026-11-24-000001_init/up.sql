-- Same tables as migrations/sqlite, in PostgreSQL's dialect.
-- Timestamps are BIGINT milliseconds since the Unix epoch on both backends.

CREATE TABLE instance_keys (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    private_key_pem TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE "groups" (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    private_key_pem TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
