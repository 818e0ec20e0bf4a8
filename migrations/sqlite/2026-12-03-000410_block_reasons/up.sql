-- Why a server-wide block was added (`demesh block add --reason`, or the
-- public comment of an imported Mastodon domain-block list); empty when
-- none was given.
ALTER TABLE blocks ADD COLUMN reason TEXT NOT NULL DEFAULT '';
