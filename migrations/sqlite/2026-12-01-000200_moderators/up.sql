-- A member's role in the group: 'member' or 'moderator' (issue #12).
-- Moderators get request notices and reports and may command the group by
-- direct message. Only the db module's MemberRole maps this text.
ALTER TABLE memberships ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
