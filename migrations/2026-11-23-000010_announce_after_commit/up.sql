-- Live updates announced after commit, in batches. A transaction that NOTIFYs holds one database-wide lock from
-- the start of its commit until its commit record is flushed, so every transaction that wrote history committed
-- alone, one WAL flush after the other (intake's top wait, `Lock:object`). The server's own connections now set
-- `petition.announce = 'after_commit'`: their history triggers stay quiet, and each server process announces what
-- its committed requests wrote, many at once, through announce_history() (src/db/announce.rs). Every other
-- writer (psql, another tool) is still announced by the triggers at its commit. The signals are the same either way.

CREATE FUNCTION case_event_signal(e case_events) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'caseId', e.case_id, 'kind', e.kind, 'staffOnly', e.staff_only,
        'path', (SELECT path FROM jurisdictions WHERE code = e.jurisdiction_code))::text
$$;

CREATE FUNCTION notice_event_signal(e supervision_notice_events) RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', e.id, 'noticeId', e.notice_id, 'kind', e.kind,
        'path', (SELECT path FROM jurisdictions WHERE code = e.jurisdiction_code))::text
$$;

-- Whether the triggers announce this session's history (not a bulk load, not a server announcing after commit).
CREATE FUNCTION history_announced_by_trigger() RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('petition.bulk_load', true), '') <> 'on'
       AND coalesce(current_setting('petition.announce', true), '') <> 'after_commit'
$$;

CREATE OR REPLACE FUNCTION notify_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF history_announced_by_trigger() THEN
        PERFORM pg_notify('case_events', case_event_signal(NEW));
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION notify_supervision_notice_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF history_announced_by_trigger() THEN
        PERFORM pg_notify('supervision_notice_events', notice_event_signal(NEW));
    END IF;
    RETURN NULL;
END;
$$;

-- Announces the committed entries among those given, in the order they were written. Entries that do not exist
-- (written by a transaction that rolled back) are not announced. Returns how many were.
CREATE FUNCTION announce_history(case_entries BIGINT[], notice_entries BIGINT[]) RETURNS INTEGER
LANGUAGE plpgsql AS $$
DECLARE
    announced INTEGER := 0;
    c case_events;
    n supervision_notice_events;
BEGIN
    FOR c IN SELECT * FROM case_events WHERE id = ANY(case_entries) ORDER BY id LOOP
        PERFORM pg_notify('case_events', case_event_signal(c));
        announced := announced + 1;
    END LOOP;
    FOR n IN SELECT * FROM supervision_notice_events WHERE id = ANY(notice_entries) ORDER BY id LOOP
        PERFORM pg_notify('supervision_notice_events', notice_event_signal(n));
        announced := announced + 1;
    END LOOP;
    RETURN announced;
END;
$$;
