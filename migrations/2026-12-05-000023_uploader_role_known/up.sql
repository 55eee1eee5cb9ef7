-- The role a file was attached in is one of the roles, as the history's actor roles are (migration 12): the model
-- reads it as `ActorRole`, and a value outside the set would fail every read of the case's files.
ALTER TABLE attachments ADD CONSTRAINT attachments_uploader_role_known CHECK (role_is_known(uploader_role));
