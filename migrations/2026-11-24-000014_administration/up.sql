-- Administration (DOMAIN.md §1-2): admins onboard staff and units of their own jurisdiction, change them as people
-- move, and show an auditor who granted what.

-- A deactivated account cannot sign in and its tokens stop working; it is never deleted, so every history entry
-- keeps its name. An account made or reset by an admin carries a temporary password that must be changed before
-- anything else is done.
ALTER TABLE accounts
    ADD COLUMN active BOOLEAN NOT NULL DEFAULT true,
    ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX accounts_jurisdiction_idx ON accounts (jurisdiction_code, username);

-- A deactivated unit takes no new cases and no new staff; it stays for the history.
ALTER TABLE units ADD COLUMN active BOOLEAN NOT NULL DEFAULT true;

-- The administration log: every change of an account or unit, by whom, before and after. Append-only like the
-- case history; read by the admins of the subject's jurisdiction and above.
CREATE TABLE admin_events (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Null when the change came from outside the API (`petition-api create-admin`, `import-staff`).
    actor_account_id  UUID REFERENCES accounts (id),
    actor_name        TEXT NOT NULL,
    action            TEXT NOT NULL CHECK (action IN ('ACCOUNT_CREATED', 'ACCOUNT_UPDATED', 'ACCOUNT_DEACTIVATED',
                          'ACCOUNT_REACTIVATED', 'PASSWORD_RESET', 'UNIT_CREATED', 'UNIT_UPDATED', 'UNIT_DEACTIVATED')),
    subject_kind      TEXT NOT NULL CHECK (subject_kind IN ('ACCOUNT', 'UNIT')),
    subject_id        UUID NOT NULL,
    -- The subject's jurisdiction: whose admins may read the entry.
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    before            JSONB,
    after             JSONB
);
CREATE INDEX admin_events_jurisdiction_idx ON admin_events (jurisdiction_code, id);
CREATE INDEX admin_events_subject_idx ON admin_events (subject_id, id);
CREATE TRIGGER admin_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON admin_events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_history_rewrite();
