-- Timestamps are BIGINT milliseconds since the Unix epoch on both backends:
-- the delivery queue compares them, and integers compare the same way
-- everywhere.

-- The instance actor (FEP-2677) signs every outgoing GET; one row only.
CREATE TABLE instance_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    private_key_pem TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE "groups" (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    private_key_pem TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
