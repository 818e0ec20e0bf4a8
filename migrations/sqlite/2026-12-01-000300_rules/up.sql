-- Issue #13: joining and posting rules.
-- rules/question: admin-written plain text ('' = none). welcome: send the
-- welcome message on approval. posting: 'members' | 'moderators'; replies:
-- 'members' | 'moderators' (who may reply when posting is 'moderators').
-- Only conversation::rules maps the posting/replies texts.
ALTER TABLE "groups" ADD COLUMN rules TEXT NOT NULL DEFAULT '';
ALTER TABLE "groups" ADD COLUMN question TEXT NOT NULL DEFAULT '';
ALTER TABLE "groups" ADD COLUMN welcome BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE "groups" ADD COLUMN posting TEXT NOT NULL DEFAULT 'members';
ALTER TABLE "groups" ADD COLUMN replies TEXT NOT NULL DEFAULT 'moderators';
-- A requester's answer to the join question (their direct reply).
ALTER TABLE memberships ADD COLUMN answer TEXT;
-- Invite codes: a use is one UPDATE ... WHERE uses_left > 0 AND not
-- expired AND not revoked, in the transaction of the approval it makes.
CREATE TABLE invites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id BIGINT NOT NULL REFERENCES "groups"(id) ON DELETE CASCADE,
    code TEXT NOT NULL UNIQUE,
    uses_left BIGINT,
    expires_at BIGINT,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    uses BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX invites_group ON invites(group_id);
