CREATE INDEX case_events_case_idx ON case_events (case_id, occurred_at, id);
DROP FUNCTION feed_horizon();
ALTER TABLE case_events DROP COLUMN written_in;
ALTER TABLE supervision_notice_events DROP COLUMN written_in;
ALTER TABLE admin_events DROP COLUMN written_in;
