DROP TABLE invites;
ALTER TABLE memberships DROP COLUMN answer;
ALTER TABLE "groups" DROP COLUMN replies;
ALTER TABLE "groups" DROP COLUMN posting;
ALTER TABLE "groups" DROP COLUMN welcome;
ALTER TABLE "groups" DROP COLUMN question;
ALTER TABLE "groups" DROP COLUMN rules;
