-- Every server process remembers who is behind a token (auth::callers) instead of reading the account on every
-- request. That is safe only because every change of an account, or of a unit its callers depend on, is announced
-- at commit to every process listening (crate::live): an account id, or `*` when many accounts may be affected.
CREATE FUNCTION announce_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'accounts' THEN
        PERFORM pg_notify('account_changes', OLD.id::text);
    ELSE
        PERFORM pg_notify('account_changes', '*');
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER accounts_announce_change AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION announce_account_change();
CREATE TRIGGER units_announce_change AFTER UPDATE OR DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_change();
CREATE TRIGGER jurisdictions_announce_change AFTER UPDATE OR DELETE ON jurisdictions
    FOR EACH STATEMENT EXECUTE FUNCTION announce_account_change();
