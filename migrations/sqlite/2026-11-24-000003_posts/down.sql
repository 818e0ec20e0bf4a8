DROP TABLE posts;
ALTER TABLE remote_actors DROP COLUMN followers;
ALTER TABLE "groups" DROP COLUMN leak_guard;
