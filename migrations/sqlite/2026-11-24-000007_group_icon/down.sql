ALTER TABLE "groups" DROP COLUMN icon_url;
