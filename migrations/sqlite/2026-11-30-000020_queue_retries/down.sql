DROP INDEX remote_actors_fetched_at;
CREATE TABLE deliveries_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    recipient TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sync_digest TEXT,
    after_delivery BIGINT REFERENCES deliveries_old (id) ON DELETE SET NULL,
    chain TEXT,
    UNIQUE (activity_id, inbox)
);
INSERT INTO deliveries_old (id, activity_id, inbox, host, recipient, state, attempts,
        next_attempt_at, locked_until, last_status, last_error, created_at, updated_at,
        sync_digest, after_delivery, chain)
    SELECT id, activity_id, inbox, host, recipient,
        CASE WHEN state = 'held' THEN 'failed' ELSE state END,
        attempts, next_attempt_at, locked_until, last_status, last_error, created_at,
        updated_at, sync_digest, after_delivery, chain
    FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_old RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_after ON deliveries (after_delivery);
ALTER TABLE unavailable_hosts DROP COLUMN next_probe_at;
ALTER TABLE unavailable_hosts DROP COLUMN probes;
ALTER TABLE inbox_activities DROP COLUMN failed_at;
ALTER TABLE inbox_activities DROP COLUMN last_error;
ALTER TABLE inbox_activities DROP COLUMN attempts;
ALTER TABLE inbox_activities DROP COLUMN claim_token;
