-- A bulk load (`petition-api generate`) sets `petition.bulk_load` for its transactions: the history it writes is
-- not announced to live subscribers, one NOTIFY per entry, millions of them, that nobody watches.
CREATE OR REPLACE FUNCTION notify_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('petition.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('case_events', json_build_object(
        'id', NEW.id, 'caseId', NEW.case_id, 'kind', NEW.kind, 'staffOnly', NEW.staff_only,
        'path', (SELECT path FROM jurisdictions WHERE code = NEW.jurisdiction_code))::text);
    RETURN NULL;
END;
$$;
