ALTER TABLE remote_actors DROP COLUMN software;
