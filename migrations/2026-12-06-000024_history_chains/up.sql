-- A history anyone can verify (issue 29): every entry of a case's history, of a supervision notice's, and of the
-- administration log carries the SHA-256 of its content together with the digest of the entry before it in its
-- chain (per case, per notice, one for the administration log). The database computes both at insert, so every
-- writer (the server, the command line, the sweep, a bulk load) produces them; `petition-api verify-history`
-- recomputes the chains on its own (src/domain/chain.rs holds the same canonical form) and names every entry that
-- no longer matches. A row rewritten by the tables' owner with the triggers disabled changes its content, so its
-- digest no longer matches; rewriting the digests too breaks the link to the next entry, and the chain's head
-- (`Case.historyDigest`) no longer matches a receipt taken earlier.
--
-- The canonical form of an entry: a tag naming the table and the form's version, then every column in a fixed
-- order, each as `<length in bytes>:<text>;` or `-;` for NULL; instants as microseconds since the epoch, so the
-- session's time zone does not matter; JSON as PostgreSQL writes `jsonb` (its own normal form).

CREATE FUNCTION history_field(v TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN '-;' ELSE octet_length(v)::text || ':' || v || ';' END
$$;

CREATE FUNCTION history_instant(t TIMESTAMPTZ) RETURNS TEXT LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT history_field((extract(epoch FROM t) * 1000000)::bigint::text)
$$;

CREATE FUNCTION history_digest(canonical TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT encode(sha256(convert_to(canonical, 'UTF8')), 'hex')
$$;

ALTER TABLE case_events ADD COLUMN chain_position INTEGER, ADD COLUMN prev_digest TEXT, ADD COLUMN digest TEXT;
ALTER TABLE supervision_notice_events
    ADD COLUMN chain_position INTEGER, ADD COLUMN prev_digest TEXT, ADD COLUMN digest TEXT;
ALTER TABLE admin_events ADD COLUMN chain_position INTEGER, ADD COLUMN prev_digest TEXT, ADD COLUMN digest TEXT;

CREATE FUNCTION case_event_digest(e case_events) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT history_digest('case_events/1;' || history_field(e.id::text) || history_field(e.case_id::text)
        || history_field(e.jurisdiction_code) || history_field(e.kind) || history_field(e.from_status)
        || history_field(e.to_status) || history_field(e.actor_account_id::text) || history_field(e.actor_role)
        || history_instant(e.occurred_at) || history_instant(e.recorded_at) || history_field(e.note)
        || history_field(e.payload::text) || history_field(e.staff_only::text)
        || history_field(e.chain_position::text) || history_field(e.prev_digest))
$$;

CREATE FUNCTION notice_event_digest(e supervision_notice_events) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT history_digest('supervision_notice_events/1;' || history_field(e.id::text)
        || history_field(e.notice_id::text) || history_field(e.jurisdiction_code) || history_field(e.kind)
        || history_field(e.from_status) || history_field(e.to_status) || history_field(e.actor_account_id::text)
        || history_field(e.actor_role) || history_instant(e.occurred_at) || history_field(e.note)
        || history_field(e.payload::text) || history_field(e.chain_position::text) || history_field(e.prev_digest))
$$;

CREATE FUNCTION admin_event_digest(e admin_events) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT history_digest('admin_events/1;' || history_field(e.id::text) || history_instant(e.occurred_at)
        || history_field(e.actor_account_id::text) || history_field(e.actor_name) || history_field(e.action)
        || history_field(e.subject_kind) || history_field(e.subject_id::text) || history_field(e.jurisdiction_code)
        || history_field(e.before::text) || history_field(e.after::text)
        || history_field(e.chain_position::text) || history_field(e.prev_digest))
$$;

-- Appends to one chain are taken one at a time: the case's (or notice's) row is locked until the transaction ends
-- (a row lock, not an entry in the lock table, so a bulk load of millions of cases does not run out of locks), the
-- administration log by one advisory lock. Every statement of a VOLATILE trigger sees the rows its own statement
-- inserted before, so a multi-row insert chains its rows in order.
CREATE FUNCTION chain_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_position INTEGER;
    last_digest TEXT;
BEGIN
    -- A case this transaction inserted or changed is locked by it already (and intake, which inserts the case and
    -- its first entries in one statement, writes no lock record).
    PERFORM 1 FROM cases WHERE id = NEW.case_id AND xmin <> pg_current_xact_id()::xid FOR NO KEY UPDATE;
    SELECT chain_position, digest INTO last_position, last_digest
        FROM case_events WHERE case_id = NEW.case_id ORDER BY chain_position DESC LIMIT 1;
    NEW.chain_position := coalesce(last_position, 0) + 1;
    NEW.prev_digest := last_digest;
    NEW.digest := case_event_digest(NEW);
    RETURN NEW;
END;
$$;

CREATE FUNCTION chain_notice_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_position INTEGER;
    last_digest TEXT;
BEGIN
    PERFORM 1 FROM supervision_notices WHERE id = NEW.notice_id AND xmin <> pg_current_xact_id()::xid
        FOR NO KEY UPDATE;
    SELECT chain_position, digest INTO last_position, last_digest
        FROM supervision_notice_events WHERE notice_id = NEW.notice_id ORDER BY chain_position DESC LIMIT 1;
    NEW.chain_position := coalesce(last_position, 0) + 1;
    NEW.prev_digest := last_digest;
    NEW.digest := notice_event_digest(NEW);
    RETURN NEW;
END;
$$;

CREATE FUNCTION chain_admin_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_position INTEGER;
    last_digest TEXT;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('admin_events chain'));
    SELECT chain_position, digest INTO last_position, last_digest
        FROM admin_events ORDER BY chain_position DESC LIMIT 1;
    NEW.chain_position := coalesce(last_position, 0) + 1;
    NEW.prev_digest := last_digest;
    NEW.digest := admin_event_digest(NEW);
    RETURN NEW;
END;
$$;

-- The entries already written are chained in the order they were written (by id), once, here; the append-only
-- triggers are set aside for exactly this.
ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
ALTER TABLE supervision_notice_events DISABLE TRIGGER supervision_notice_events_append_only;
ALTER TABLE admin_events DISABLE TRIGGER admin_events_append_only;

DO $$
DECLARE
    e RECORD;
    chain TEXT := NULL;
    at INTEGER := 0;
    previous TEXT := NULL;
BEGIN
    FOR e IN SELECT id, case_id::text AS chain_key FROM case_events ORDER BY case_id, id LOOP
        IF chain IS DISTINCT FROM e.chain_key THEN
            chain := e.chain_key; at := 0; previous := NULL;
        END IF;
        at := at + 1;
        UPDATE case_events SET chain_position = at, prev_digest = previous WHERE id = e.id;
        UPDATE case_events c SET digest = case_event_digest(c) WHERE id = e.id RETURNING digest INTO previous;
    END LOOP;
    chain := NULL;
    FOR e IN SELECT id, notice_id::text AS chain_key FROM supervision_notice_events ORDER BY notice_id, id LOOP
        IF chain IS DISTINCT FROM e.chain_key THEN
            chain := e.chain_key; at := 0; previous := NULL;
        END IF;
        at := at + 1;
        UPDATE supervision_notice_events SET chain_position = at, prev_digest = previous WHERE id = e.id;
        UPDATE supervision_notice_events n SET digest = notice_event_digest(n) WHERE id = e.id
            RETURNING digest INTO previous;
    END LOOP;
    at := 0; previous := NULL;
    FOR e IN SELECT id FROM admin_events ORDER BY id LOOP
        at := at + 1;
        UPDATE admin_events SET chain_position = at, prev_digest = previous WHERE id = e.id;
        UPDATE admin_events a SET digest = admin_event_digest(a) WHERE id = e.id RETURNING digest INTO previous;
    END LOOP;
END;
$$;

ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;
ALTER TABLE supervision_notice_events ENABLE TRIGGER supervision_notice_events_append_only;
ALTER TABLE admin_events ENABLE TRIGGER admin_events_append_only;

ALTER TABLE case_events ALTER COLUMN chain_position SET NOT NULL, ALTER COLUMN digest SET NOT NULL;
ALTER TABLE supervision_notice_events ALTER COLUMN chain_position SET NOT NULL, ALTER COLUMN digest SET NOT NULL;
ALTER TABLE admin_events ALTER COLUMN chain_position SET NOT NULL, ALTER COLUMN digest SET NOT NULL;

-- One entry per place in a chain: two writers can never both extend it from the same entry.
CREATE UNIQUE INDEX case_events_chain_idx ON case_events (case_id, chain_position);
CREATE UNIQUE INDEX supervision_notice_events_chain_idx ON supervision_notice_events (notice_id, chain_position);
CREATE UNIQUE INDEX admin_events_chain_idx ON admin_events (chain_position);

CREATE TRIGGER case_events_chain BEFORE INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION chain_case_event();
CREATE TRIGGER supervision_notice_events_chain BEFORE INSERT ON supervision_notice_events
    FOR EACH ROW EXECUTE FUNCTION chain_notice_event();
CREATE TRIGGER admin_events_chain BEFORE INSERT ON admin_events FOR EACH ROW EXECUTE FUNCTION chain_admin_event();
