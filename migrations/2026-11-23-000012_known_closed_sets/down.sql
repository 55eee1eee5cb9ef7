ALTER TABLE supervision_notice_events DROP CONSTRAINT supervision_notice_events_actor_role_known;
ALTER TABLE case_events DROP CONSTRAINT case_events_actor_role_known;
ALTER TABLE supervision_notice_events DROP CONSTRAINT supervision_notice_events_kind_known;
ALTER TABLE case_deadlines DROP CONSTRAINT case_deadlines_kind_known;
ALTER TABLE accounts DROP CONSTRAINT accounts_roles_known;
DROP FUNCTION notice_event_kind_is_known(TEXT);
DROP FUNCTION deadline_kind_is_known(TEXT);
DROP FUNCTION roles_are_known(TEXT[]);
DROP FUNCTION role_is_known(TEXT);
