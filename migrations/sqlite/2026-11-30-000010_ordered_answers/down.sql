DROP TABLE deleted_originals;
DROP TABLE group_blocks;
DROP INDEX deliveries_after;
ALTER TABLE deliveries DROP COLUMN chain;
ALTER TABLE deliveries DROP COLUMN after_delivery;
