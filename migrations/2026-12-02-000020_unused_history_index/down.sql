CREATE INDEX case_events_kind_idx ON case_events (jurisdiction_code, kind, occurred_at);
