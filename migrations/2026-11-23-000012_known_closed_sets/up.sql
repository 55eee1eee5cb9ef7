-- The remaining closed sets that had no constraint (migration 11 did statuses and event kinds): roles on accounts and
-- on history entries, deadline kinds, and the kinds of a supervision notice's history. The Rust enums are the sources
-- (`Role`, `DeadlineKind`, `NoticeEventKind`); a test holds each list to its enum.
CREATE FUNCTION role_is_known(role TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT role IN ('PETITIONER', 'CLERK', 'CASE_LEAD', 'COMMITTEE_MEMBER', 'ADMIN')
$$;
CREATE FUNCTION roles_are_known(roles TEXT[]) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(bool_and(role_is_known(r)), TRUE) FROM unnest(roles) AS r
$$;
CREATE FUNCTION deadline_kind_is_known(kind TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT kind IN (
        'ROUTE', 'ACCEPT', 'OBJECT', 'ANSWER', 'EVALUATE', 'REQUEST_REVIEW', 'DECIDE_REVIEW', 'REQUEST_RE_REVIEW',
        'DECIDE_RE_REVIEW')
$$;
CREATE FUNCTION notice_event_kind_is_known(kind TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT kind IN ('ISSUED', 'ACKNOWLEDGED', 'RESPONDED', 'CLOSED', 'REOPENED', 'OVERDUE')
$$;

ALTER TABLE accounts ADD CONSTRAINT accounts_roles_known CHECK (roles_are_known(roles));
ALTER TABLE case_deadlines ADD CONSTRAINT case_deadlines_kind_known CHECK (deadline_kind_is_known(kind));
ALTER TABLE supervision_notice_events ADD CONSTRAINT supervision_notice_events_kind_known
    CHECK (notice_event_kind_is_known(kind));
-- Who acted: a role, or the system itself (the sweep).
ALTER TABLE case_events ADD CONSTRAINT case_events_actor_role_known
    CHECK (actor_role IS NULL OR actor_role = 'SYSTEM' OR role_is_known(actor_role));
ALTER TABLE supervision_notice_events ADD CONSTRAINT supervision_notice_events_actor_role_known
    CHECK (actor_role IS NULL OR actor_role = 'SYSTEM' OR role_is_known(actor_role));
