-- FEP-8fcf: the digest of the group's members on the receiving server,
-- sent with a delivery to a shared inbox (Collection-Synchronization).
ALTER TABLE deliveries ADD COLUMN sync_digest TEXT;
