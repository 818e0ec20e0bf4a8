DROP INDEX remote_actors_fetched_at;
UPDATE deliveries SET state = 'failed' WHERE state = 'held';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check
    CHECK (state IN ('pending', 'delivered', 'failed'));
ALTER TABLE unavailable_hosts DROP COLUMN next_probe_at;
ALTER TABLE unavailable_hosts DROP COLUMN probes;
ALTER TABLE inbox_activities DROP COLUMN failed_at;
ALTER TABLE inbox_activities DROP COLUMN last_error;
ALTER TABLE inbox_activities DROP COLUMN attempts;
ALTER TABLE deliveries DROP COLUMN claim_token;
ALTER TABLE inbox_activities DROP COLUMN claim_token;
