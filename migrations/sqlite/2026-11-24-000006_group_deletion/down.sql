ALTER TABLE "groups" DROP COLUMN deleted_at;
