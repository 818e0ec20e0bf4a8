-- A deleted group stays as a tombstone: its name is not reused (remote
-- servers remember the old group and its key), and its key signs the
-- Delete that tells member servers it is gone.
ALTER TABLE "groups" ADD COLUMN deleted_at BIGINT;
