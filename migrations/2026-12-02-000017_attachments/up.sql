-- Files attached to cases: evidence petitioners bring, and the papers bureaus scan (the written answer, the service
-- record, the signed closure commitment). The bytes live in the file store (the local file system or an
-- S3-compatible store); the database keeps what the API shows and checks. Files are never deleted: a wrong one is
-- withdrawn, with a reason, and the history says so.
CREATE TABLE attachments (
    id                UUID PRIMARY KEY,
    case_id           UUID NOT NULL REFERENCES cases (id),
    -- The case's, for scope filters and later partitioning, like every case-scoped table.
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    kind              TEXT NOT NULL CONSTRAINT attachments_kind_known CHECK (kind IN (
        'EVIDENCE', 'IDENTITY_DOCUMENT', 'WRITTEN_ANSWER', 'SERVICE_RECORD', 'CLOSURE_COMMITMENT', 'OTHER')),
    file_name         TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    -- Found from the content's first bytes, never from the name or what the client declared.
    content_type      TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256            TEXT NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage_key       TEXT NOT NULL UNIQUE,
    uploaded_by       UUID NOT NULL REFERENCES accounts (id),
    uploader_role     TEXT NOT NULL,
    uploaded_at       TIMESTAMPTZ NOT NULL,
    withdrawn_at      TIMESTAMPTZ,
    withdrawn_by      UUID REFERENCES accounts (id),
    withdrawal_reason TEXT,
    CONSTRAINT attachments_withdrawn_whole
        CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL) AND (withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE INDEX attachments_case_idx ON attachments (case_id, uploaded_at, id);

-- The history records each file added (with its SHA-256) and each withdrawn.
CREATE OR REPLACE FUNCTION case_event_kind_is_known(kind TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT kind IN (
        'SUBMITTED', 'RECORDED', 'FORWARDED', 'ASSIGNED', 'ROUTED_OUT', 'NOT_ACCEPTED', 'OBJECTED',
        'OBJECTION_UPHELD', 'OBJECTION_REJECTED', 'ACCEPTED', 'CLASSIFIED', 'EXTENDED', 'ANSWERED', 'EVALUATED',
        'REVIEW_REQUESTED', 'REVIEWED', 'RE_REVIEW_REQUESTED', 'RE_REVIEWED', 'CLOSED', 'WITHDRAWN',
        'CASE_LEAD_DESIGNATED', 'PLAN_SET', 'RECEPTION', 'HOME_VISIT', 'APPOINTMENT', 'RETURN_VISIT',
        'CONSULTATION', 'HEARING', 'NOTE', 'CONTACT_REVEALED', 'REPEAT_LINKED', 'DEADLINE_MISSED', 'ESCALATED',
        'ESCALATION_DECIDED', 'ESCALATION_WITHDRAWN', 'SUPERVISED', 'FILE_ATTACHED', 'FILE_WITHDRAWN')
$$;
