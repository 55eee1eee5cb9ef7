ALTER TABLE case_events DROP CONSTRAINT case_events_statuses_known;
ALTER TABLE case_events DROP CONSTRAINT case_events_kind_known;
ALTER TABLE cases DROP CONSTRAINT cases_status_known;
DROP FUNCTION case_event_kind_is_known(TEXT);
DROP FUNCTION case_status_is_known(TEXT);
