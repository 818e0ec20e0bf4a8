-- Remote actors we have fetched: their inboxes and keys (the key cache).
CREATE TABLE remote_actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uri TEXT NOT NULL UNIQUE,
    key_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    username TEXT NOT NULL,
    -- host[:port] of the actor id; with username this is the acct
    domain TEXT NOT NULL,
    also_known_as TEXT NOT NULL DEFAULT '[]',
    fetched_at BIGINT NOT NULL
);
CREATE INDEX remote_actors_acct ON remote_actors (username, domain);
CREATE INDEX remote_actors_key ON remote_actors (key_id);

-- One row per (group, actor): a pending request or a membership.
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    actor_uri TEXT NOT NULL,
    -- the Follow as received: Accept/Reject must carry it with its id
    follow_id TEXT NOT NULL,
    follow_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (group_id, actor_uri)
);

-- Pre-approved accounts (user@host or actor URL) and domains (*@host).
CREATE TABLE allows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    pattern TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (group_id, pattern)
);

-- Server-wide blocks: a domain, an account (user@host) or an actor URL.
CREATE TABLE blocks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pattern TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- Every accepted incoming activity, stored before the 202 and processed
-- afterwards, off the request path.
CREATE TABLE inbox_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    actor_uri TEXT NOT NULL,
    -- the group whose personal inbox received it, if any
    group_id BIGINT REFERENCES "groups" (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT,
    outcome TEXT,
    locked_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbox_activities_todo ON inbox_activities (processed_at, id);

-- Outgoing activities: stored once, serialised once.
CREATE TABLE outgoing_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    activity_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per (outgoing activity, target inbox): the delivery state.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    -- for a personal inbox: whose, so a 410 can end that membership
    recipient TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
