-- A session is a family of refresh tokens; its access tokens carry the family id (`sid`). When a family is revoked
-- (sign-out, a reused refresh token), every server process must refuse that session's access tokens at once, not
-- when they expire: the revocation is announced at commit, like account changes, and each process keeps the
-- recently revoked sessions in memory (auth::callers). Revoking a family updates all its rows; PostgreSQL folds
-- identical notifications of one transaction into one.
CREATE FUNCTION announce_session_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('session_revocations', NEW.family_id::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER refresh_tokens_announce_revocation AFTER UPDATE OF revoked_at ON refresh_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION announce_session_revocation();

-- A process that (re)connects its listener reads the sessions revoked within an access token's lifetime.
CREATE INDEX refresh_tokens_revoked_idx ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
