CREATE OR REPLACE FUNCTION notify_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('case_events', json_build_object(
        'id', NEW.id, 'caseId', NEW.case_id, 'kind', NEW.kind, 'staffOnly', NEW.staff_only,
        'path', (SELECT path FROM jurisdictions WHERE code = NEW.jurisdiction_code))::text);
    RETURN NULL;
END;
$$;
