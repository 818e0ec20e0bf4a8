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
