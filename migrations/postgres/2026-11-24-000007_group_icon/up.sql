-- The group's avatar: a URL of an image hosted elsewhere (ActivityPub `icon`).
ALTER TABLE "groups" ADD COLUMN icon_url TEXT;
