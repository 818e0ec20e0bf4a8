-- A delivery that must wait for another to the same account: Undo{Block}
-- goes only once its Block was answered, an Accept after the Undo{Block}
-- before it. NULL: due as usual (also when the row waited for goes away).
-- `chain` names the account whose answers (Accept, Reject, Block, Undo)
-- are sent one after the other.
ALTER TABLE deliveries ADD COLUMN after_delivery BIGINT
    REFERENCES deliveries (id) ON DELETE SET NULL;
ALTER TABLE deliveries ADD COLUMN chain TEXT;
CREATE INDEX deliveries_after ON deliveries (after_delivery);

-- The group's Blocks of accounts that stand (sent by `block add`, not
-- undone): approving such an account first sends Undo of this Block.
CREATE TABLE group_blocks (
    id BIGSERIAL PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES "groups" (id) ON DELETE CASCADE,
    actor_uri TEXT NOT NULL,
    block_id TEXT NOT NULL,
    block_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (group_id, actor_uri)
);

-- Member objects deleted by their author before the group held them (a
-- Delete that overtook its Create): the late Create is not republished.
CREATE TABLE deleted_originals (
    id BIGSERIAL PRIMARY KEY,
    original_id TEXT NOT NULL UNIQUE,
    author_uri TEXT NOT NULL,
    deleted_at BIGINT NOT NULL
);
