ALTER TABLE memberships DROP COLUMN role;
