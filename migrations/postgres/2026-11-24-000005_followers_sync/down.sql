ALTER TABLE deliveries DROP COLUMN sync_digest;
