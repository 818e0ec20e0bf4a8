ALTER TABLE inbox_activities DROP COLUMN failed_at;
ALTER TABLE inbox_activities DROP COLUMN last_error;
ALTER TABLE inbox_activities DROP COLUMN attempts;
ALTER TABLE deliveries DROP COLUMN claim_token;
ALTER TABLE inbox_activities DROP COLUMN claim_token;
