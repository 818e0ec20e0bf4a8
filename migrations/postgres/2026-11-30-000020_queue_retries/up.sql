-- Claims are proven by a random 128-bit token (hex), not by the lease's
-- expiry: two workers claiming in the same millisecond can no longer
-- write the same value.
ALTER TABLE inbox_activities ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN claim_token TEXT NOT NULL DEFAULT '';
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
ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('pending', 'delivered', 'failed', 'held'));
UPDATE deliveries SET state = 'held'
    WHERE state = 'failed' AND last_error LIKE 'not sent: server unavailable%';
-- The refresher looks for members' actors fetched over a day ago.
CREATE INDEX remote_actors_fetched_at ON remote_actors (fetched_at);
