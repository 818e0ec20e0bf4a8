-- The follower's server software (NodeInfo software.name and version), once fetched.
ALTER TABLE remote_actors ADD COLUMN software TEXT;
