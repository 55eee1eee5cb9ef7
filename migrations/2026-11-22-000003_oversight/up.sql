-- Oversight (DOMAIN.md §5, §6, §8, §9): the deadlines as data for the portal figures, joint-conference and
-- urgent-report escalations, supervision notices with their own append-only history, and the NOTIFY triggers that
-- carry every history entry to the live subscriptions of every server process.

-- The deadlines of each case, as the rules in `domain::lifecycle` derive them from the history. Rewritten with
-- every step (never typed in), so that the figures can be counted in SQL without repeating the rules there.
CREATE TABLE case_deadlines (
    case_id           UUID NOT NULL REFERENCES cases (id),
    -- The order the deadlines arose in (a case may be routed twice, after an upheld objection).
    seq               INTEGER NOT NULL,
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    kind              TEXT NOT NULL,
    starts_at         TIMESTAMPTZ NOT NULL,
    due_at            TIMESTAMPTZ NOT NULL,
    met_at            TIMESTAMPTZ,
    waived            BOOLEAN NOT NULL,
    PRIMARY KEY (case_id, seq)
);
-- The sweep: owed, unmet, past due.
CREATE INDEX case_deadlines_open_idx ON case_deadlines (due_at) WHERE met_at IS NULL AND NOT waived;

-- A deadline miss is recorded once, however many servers sweep at once.
CREATE UNIQUE INDEX case_events_deadline_missed_once
    ON case_events (case_id, (payload ->> 'deadline'), (payload ->> 'dueAt'))
    WHERE kind = 'DEADLINE_MISSED';
-- Figures: leads designated in a period, per jurisdiction.
CREATE INDEX case_events_kind_idx ON case_events (jurisdiction_code, kind, occurred_at);
CREATE INDEX cases_open_due_idx ON cases (jurisdiction_code, next_due_at);

-- Escalations beyond reviews: decisions of the other kinds, and the filters of the escalation list.
ALTER TABLE escalations DROP CONSTRAINT escalations_decision_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_decision_check
    CHECK (decision IN ('UPHELD', 'CHANGED', 'REVOKED', 'COORDINATED', 'INSTRUCTED'));
-- For a jurisdiction dispute (Art 24): the other jurisdiction that disputes the matter.
ALTER TABLE escalations ADD COLUMN disputed_with TEXT REFERENCES jurisdictions (code);
CREATE INDEX escalations_jurisdiction_idx ON escalations (jurisdiction_code, requested_at DESC, id DESC);
CREATE INDEX escalations_list_idx ON escalations (requested_at DESC, id DESC);
CREATE INDEX escalations_pending_due_idx ON escalations (due_at) WHERE status = 'PENDING';
CREATE INDEX escalations_kind_idx ON escalations (kind, requested_at DESC, id DESC);

-- Supervision notices (督办, Arts 39-40): issued to a handling unit about one or more cases.
CREATE TABLE supervision_notices (
    id                UUID PRIMARY KEY,
    -- The target unit's jurisdiction: who may see the notice, and how the data partitions.
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    target_unit_id    UUID NOT NULL REFERENCES units (id),
    issuer_account_id UUID NOT NULL REFERENCES accounts (id),
    issuer_unit_id    UUID NOT NULL REFERENCES units (id),
    notice_type       TEXT NOT NULL CHECK (notice_type IN
                          ('SUPERVISION', 'POLICY_PROPOSAL', 'ACCOUNTABILITY', 'LISTED', 'SUMMONS', 'CIRCULAR')),
    trigger_reason    TEXT NOT NULL CHECK (trigger_reason IN
                          ('OVERDUE_ACCEPTANCE', 'OVERDUE_HANDLING', 'IMPROPER_HANDLING', 'BUCK_PASSING',
                           'FALSIFICATION', 'REFUSED_OPINION', 'OTHER')),
    requirements      TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('ISSUED', 'ACKNOWLEDGED', 'RESPONDED', 'CLOSED', 'REOPENED')),
    issued_at         TIMESTAMPTZ NOT NULL,
    response_due_at   TIMESTAMPTZ NOT NULL,
    acknowledged_at   TIMESTAMPTZ,
    responded_at      TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    adopted           BOOLEAN,
    response          TEXT,
    version           INTEGER NOT NULL DEFAULT 1,
    CHECK (response_due_at > issued_at)
);
CREATE INDEX supervision_notices_jurisdiction_idx ON supervision_notices (jurisdiction_code, issued_at DESC, id DESC);
CREATE INDEX supervision_notices_list_idx ON supervision_notices (issued_at DESC, id DESC);
CREATE INDEX supervision_notices_target_idx ON supervision_notices (target_unit_id, issued_at DESC, id DESC);
CREATE INDEX supervision_notices_issuer_idx ON supervision_notices (issuer_account_id, issued_at DESC, id DESC);
CREATE INDEX supervision_notices_status_idx ON supervision_notices (status, issued_at DESC, id DESC);
CREATE INDEX supervision_notices_type_idx ON supervision_notices (notice_type, issued_at DESC, id DESC);
CREATE INDEX supervision_notices_awaiting_idx ON supervision_notices (response_due_at)
    WHERE status IN ('ISSUED', 'ACKNOWLEDGED', 'REOPENED');

CREATE TABLE supervision_notice_cases (
    notice_id         UUID NOT NULL REFERENCES supervision_notices (id),
    case_id           UUID NOT NULL REFERENCES cases (id),
    -- The case's, as on every case-scoped table (DOMAIN.md §9: the data can be partitioned by province).
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    PRIMARY KEY (notice_id, case_id)
);
CREATE INDEX supervision_notice_cases_case_idx ON supervision_notice_cases (case_id, notice_id);

CREATE TABLE supervision_notice_events (
    id                BIGSERIAL PRIMARY KEY,
    notice_id         UUID NOT NULL REFERENCES supervision_notices (id),
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    kind              TEXT NOT NULL,
    from_status       TEXT,
    to_status         TEXT,
    actor_account_id  UUID REFERENCES accounts (id),
    actor_role        TEXT,
    occurred_at       TIMESTAMPTZ NOT NULL,
    note              TEXT,
    payload           JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX supervision_notice_events_notice_idx ON supervision_notice_events (notice_id, occurred_at, id);
CREATE UNIQUE INDEX supervision_notice_events_overdue_once
    ON supervision_notice_events (notice_id, (payload ->> 'dueAt')) WHERE kind = 'OVERDUE';

CREATE TRIGGER supervision_notice_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON supervision_notice_events
    FOR EACH STATEMENT EXECUTE FUNCTION forbid_history_rewrite();

-- Live updates: every history entry, once committed, reaches every server process listening (LISTEN/NOTIFY
-- delivers at commit, so a rolled-back step sends nothing). The payload says what and where; subscribers reload
-- what they may see through the same scope rules as queries.
CREATE FUNCTION notify_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('case_events', json_build_object(
        'id', NEW.id, 'caseId', NEW.case_id, 'kind', NEW.kind, 'staffOnly', NEW.staff_only,
        'path', (SELECT path FROM jurisdictions WHERE code = NEW.jurisdiction_code))::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER case_events_notify AFTER INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION notify_case_event();

CREATE FUNCTION notify_supervision_notice_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('supervision_notice_events', json_build_object(
        'id', NEW.id, 'noticeId', NEW.notice_id, 'kind', NEW.kind,
        'path', (SELECT path FROM jurisdictions WHERE code = NEW.jurisdiction_code))::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER supervision_notice_events_notify AFTER INSERT ON supervision_notice_events
    FOR EACH ROW EXECUTE FUNCTION notify_supervision_notice_event();
