-- Foundation: jurisdictions, units, accounts, tokens, cases and their append-only history.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The administrative tree (DOMAIN.md §2). `path` is the materialised path of codes, '/'-separated and ending in
-- '/', so that "X and everything under it" is one prefix match that an index answers.
CREATE TABLE jurisdictions (
    code        TEXT PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3})?$'),
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('PROVINCE', 'CITY', 'COUNTY', 'TOWNSHIP')),
    parent_code TEXT REFERENCES jurisdictions (code),
    path        TEXT NOT NULL UNIQUE
);
CREATE INDEX jurisdictions_parent_idx ON jurisdictions (parent_code, code);
CREATE INDEX jurisdictions_path_idx ON jurisdictions (path text_pattern_ops);

CREATE TABLE units (
    id                UUID PRIMARY KEY,
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    kind              TEXT NOT NULL CHECK (kind IN ('BUREAU', 'HANDLING_UNIT', 'COMMITTEE')),
    name              TEXT NOT NULL,
    UNIQUE (jurisdiction_code, name)
);
CREATE INDEX units_jurisdiction_idx ON units (jurisdiction_code, kind, name);

CREATE TABLE accounts (
    id                UUID PRIMARY KEY,
    username          TEXT NOT NULL UNIQUE,
    password_hash     TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    roles             TEXT[] NOT NULL CHECK (cardinality(roles) > 0),
    unit_id           UUID REFERENCES units (id),
    -- Staff are scoped to the subtree of this jurisdiction; petitioners have none.
    jurisdiction_code TEXT REFERENCES jurisdictions (code),
    -- Bumped on password or role change: access and refresh tokens of older versions stop working.
    token_version     INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX accounts_unit_idx ON accounts (unit_id);

-- Opaque refresh tokens, stored as SHA-256 hashes. Every use rotates the token within its family; presenting a
-- used one again means it was stolen, and the whole family is revoked.
CREATE TABLE refresh_tokens (
    id            UUID PRIMARY KEY,
    account_id    UUID NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    family_id     UUID NOT NULL,
    token_hash    BYTEA NOT NULL UNIQUE,
    token_version INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_account_idx ON refresh_tokens (account_id);

CREATE TABLE cases (
    id                      UUID PRIMARY KEY,
    -- <county code>-<year>-<6-digit serial>
    reference               TEXT NOT NULL UNIQUE,
    query_code_hash         BYTEA NOT NULL,
    jurisdiction_code       TEXT NOT NULL REFERENCES jurisdictions (code),
    township_code           TEXT REFERENCES jurisdictions (code),
    status                  TEXT NOT NULL,
    channel                 TEXT NOT NULL CHECK (channel IN ('ONLINE', 'MOBILE', 'LETTER', 'VISIT', 'PHONE', 'FAX')),
    category                TEXT CHECK (category IN ('SUGGESTION', 'ACCUSATION', 'APPEAL_DEMAND')),
    title                   TEXT NOT NULL,
    content                 TEXT NOT NULL,
    petitioner_name         TEXT NOT NULL,
    petitioner_phone        TEXT,
    petitioner_id_number    TEXT,
    petitioner_account_id   UUID REFERENCES accounts (id),
    is_anonymous            BOOLEAN NOT NULL DEFAULT FALSE,
    group_size              INTEGER NOT NULL DEFAULT 1 CHECK (group_size >= 1),
    is_backlog              BOOLEAN NOT NULL DEFAULT FALSE,
    current_unit_id         UUID REFERENCES units (id),
    case_lead_account_id    UUID REFERENCES accounts (id),
    received_at             TIMESTAMPTZ NOT NULL,
    handling_days           INTEGER,
    -- Optimistic concurrency: every transition bumps it, and applies only if it saw the version it read.
    version                 INTEGER NOT NULL DEFAULT 1,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- Keyset paging (newest first) within a jurisdiction, and the other filters.
CREATE INDEX cases_jurisdiction_received_idx ON cases (jurisdiction_code, received_at DESC, id DESC);
CREATE INDEX cases_received_idx ON cases (received_at DESC, id DESC);
CREATE INDEX cases_petitioner_idx ON cases (petitioner_account_id, received_at DESC, id DESC);
CREATE INDEX cases_unit_idx ON cases (current_unit_id, received_at DESC, id DESC);
CREATE INDEX cases_lead_idx ON cases (case_lead_account_id, received_at DESC, id DESC);
CREATE INDEX cases_status_idx ON cases (status, received_at DESC, id DESC);

-- The history of a case (DOMAIN.md §3): append-only, enforced below by the database itself.
CREATE TABLE case_events (
    id                BIGSERIAL PRIMARY KEY,
    case_id           UUID NOT NULL REFERENCES cases (id),
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    kind              TEXT NOT NULL,
    from_status       TEXT,
    to_status         TEXT,
    actor_account_id  UUID REFERENCES accounts (id),
    actor_role        TEXT,
    occurred_at       TIMESTAMPTZ NOT NULL,
    recorded_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    note              TEXT,
    payload           JSONB NOT NULL DEFAULT '{}'::jsonb,
    staff_only        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX case_events_case_idx ON case_events (case_id, occurred_at, id);

CREATE FUNCTION forbid_history_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the history table % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER case_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_history_rewrite();
