-- Claims are proven by a random 128-bit token (hex), not by the lease's
-- expiry: two workers claiming in the same millisecond can no longer
-- write the same value.
ALTER TABLE inbox_activities ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
-- Bounded retries of stored activities: after each failure the row waits
-- (locked_until) with exponential backoff; past the last attempt it is
-- marked failed with its error and never claimed again.
ALTER TABLE inbox_activities ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbox_activities ADD COLUMN last_error TEXT;
ALTER TABLE inbox_activities ADD COLUMN failed_at BIGINT;
-- Parked servers: what is queued for them while parked is held (state
-- 'held') and sent once they are back, instead of being dropped; and they
-- are probed (their NodeInfo) with backoff, so a server whose users only
-- read is found to be back too.
ALTER TABLE unavailable_hosts ADD COLUMN probes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE unavailable_hosts ADD COLUMN next_probe_at BIGINT NOT NULL DEFAULT 0;
-- SQLite cannot change a CHECK constraint: the table is rebuilt with the
-- new state (and the claim token). Only deliveries itself references
-- deliveries (after_delivery): the new table references itself by its new
-- name, which the RENAME carries over, so dropping the old table cannot
-- null the copied links through ON DELETE SET NULL.
CREATE TABLE deliveries_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    -- for a personal inbox: whose, so a 410 can end that membership
    recipient TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'held')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_digest TEXT,
    after_delivery BIGINT REFERENCES deliveries_new (id) ON DELETE SET NULL,
    chain TEXT,
    claim_token TEXT NOT NULL DEFAULT '',
    UNIQUE (activity_id, inbox)
);
INSERT INTO deliveries_new (id, activity_id, inbox, host, recipient, state, attempts,
        next_attempt_at, locked_until, last_status, last_error, created_at, updated_at,
        sync_digest, after_delivery, chain)
    SELECT id, activity_id, inbox, host, recipient,
        CASE WHEN state = 'failed' AND last_error LIKE 'not sent: server unavailable%'
            THEN 'held' ELSE state END,
        attempts, next_attempt_at, locked_until, last_status, last_error, created_at,
        updated_at, sync_digest, after_delivery, chain
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_after ON deliveries (after_delivery);
-- The refresher looks for members' actors fetched over a day ago.
CREATE INDEX remote_actors_fetched_at ON remote_actors (fetched_at);
