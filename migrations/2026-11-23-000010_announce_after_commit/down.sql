DROP FUNCTION announce_history(BIGINT[], BIGINT[]);
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
CREATE OR REPLACE FUNCTION notify_supervision_notice_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('supervision_notice_events', json_build_object(
        'id', NEW.id, 'noticeId', NEW.notice_id, 'kind', NEW.kind,
        'path', (SELECT path FROM jurisdictions WHERE code = NEW.jurisdiction_code))::text);
    RETURN NULL;
END;
$$;
DROP FUNCTION history_announced_by_trigger();
DROP FUNCTION notice_event_signal(supervision_notice_events);
DROP FUNCTION case_event_signal(case_events);
