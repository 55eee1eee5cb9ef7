DROP INDEX refresh_tokens_revoked_idx;
DROP TRIGGER refresh_tokens_announce_revocation ON refresh_tokens;
DROP FUNCTION announce_session_revocation();
