-- The closed sets of a case's lifecycle are enforced by the database too (`domain::case::CaseStatus` and
-- `EventKind` are the sources; a test holds each constraint to its enum): a row written by any tool with a status or
-- kind the service does not know is refused instead of surprising every reader later.
CREATE FUNCTION case_status_is_known(status TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT status IN (
        'SUBMITTED', 'FORWARDED', 'ASSIGNED', 'ROUTED_OUT', 'NOT_ACCEPTED', 'OBJECTED', 'ACCEPTED', 'IN_PROGRESS',
        'ANSWERED', 'REVIEW_REQUESTED', 'REVIEWED', 'RE_REVIEW_REQUESTED', 'FINAL', 'CLOSED')
$$;
CREATE FUNCTION case_event_kind_is_known(kind TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT kind IN (
        'SUBMITTED', 'RECORDED', 'FORWARDED', 'ASSIGNED', 'ROUTED_OUT', 'NOT_ACCEPTED', 'OBJECTED',
        'OBJECTION_UPHELD', 'OBJECTION_REJECTED', 'ACCEPTED', 'CLASSIFIED', 'EXTENDED', 'ANSWERED', 'EVALUATED',
        'REVIEW_REQUESTED', 'REVIEWED', 'RE_REVIEW_REQUESTED', 'RE_REVIEWED', 'CLOSED', 'WITHDRAWN',
        'CASE_LEAD_DESIGNATED', 'PLAN_SET', 'RECEPTION', 'HOME_VISIT', 'APPOINTMENT', 'RETURN_VISIT',
        'CONSULTATION', 'HEARING', 'NOTE', 'CONTACT_REVEALED', 'REPEAT_LINKED', 'DEADLINE_MISSED', 'ESCALATED',
        'ESCALATION_DECIDED', 'ESCALATION_WITHDRAWN', 'SUPERVISED')
$$;

ALTER TABLE cases ADD CONSTRAINT cases_status_known CHECK (case_status_is_known(status));
ALTER TABLE case_events ADD CONSTRAINT case_events_kind_known CHECK (case_event_kind_is_known(kind));
ALTER TABLE case_events ADD CONSTRAINT case_events_statuses_known
    CHECK ((from_status IS NULL OR case_status_is_known(from_status))
       AND (to_status IS NULL OR case_status_is_known(to_status)));
