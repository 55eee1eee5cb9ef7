-- The case lifecycle (DOMAIN.md §3, §4, §7): routing, deadlines, case leads, reviews, idempotent intake.

ALTER TABLE cases
    -- How the bureau routed it: FORWARDED (转送) or ASSIGNED (交办); where a rejected objection returns to.
    ADD COLUMN routing TEXT CHECK (routing IN ('FORWARDED', 'ASSIGNED')),
    -- The earliest deadline staff still owe (derived from the history on every change): the overdue filter.
    ADD COLUMN next_due_at TIMESTAMPTZ,
    ADD COLUMN repeat_of_case_id UUID REFERENCES cases (id),
    -- Up to 5 representatives of a group petition: [{name, phone}].
    ADD COLUMN representatives JSONB NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN outcome TEXT CHECK (outcome IN ('SUPPORTED', 'EXPLAINED', 'NOT_SUPPORTED')),
    -- The case lead's plan (包案): {team, plan, milestones: [{title, due}], targetDate}.
    ADD COLUMN resolution_plan JSONB,
    ADD COLUMN evaluation JSONB,
    -- Where the petitioner was told to go (ROUTED_OUT) or why it was not accepted.
    ADD COLUMN disposition_note TEXT;

UPDATE cases SET routing = 'ASSIGNED' WHERE status NOT IN ('SUBMITTED', 'ROUTED_OUT', 'NOT_ACCEPTED');

CREATE INDEX cases_next_due_idx ON cases (next_due_at) WHERE next_due_at IS NOT NULL;
CREATE INDEX cases_category_idx ON cases (category, received_at DESC, id DESC);
CREATE INDEX cases_repeat_idx ON cases (repeat_of_case_id) WHERE repeat_of_case_id IS NOT NULL;
-- Text search over title and content: trigrams work for Chinese, which has no spaces between words.
CREATE INDEX cases_text_trgm_idx ON cases USING gin ((title || ' ' || content) gin_trgm_ops);

-- A mobile client may retry submitPetition: the same key returns the first result again.
CREATE TABLE idempotency_keys (
    account_id  UUID NOT NULL REFERENCES accounts (id),
    key         TEXT NOT NULL,
    operation   TEXT NOT NULL,
    case_id     UUID NOT NULL REFERENCES cases (id),
    -- A retry gets the case again, but not its query code: that is shown once only.
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);

-- Escalations (DOMAIN.md §5); reviews are built on them here, the other kinds in the oversight work.
CREATE TABLE escalations (
    id                    UUID PRIMARY KEY,
    case_id               UUID NOT NULL REFERENCES cases (id),
    jurisdiction_code     TEXT NOT NULL REFERENCES jurisdictions (code),
    kind                  TEXT NOT NULL CHECK (kind IN ('REVIEW', 'RE_REVIEW', 'JOINT_CONFERENCE', 'URGENT_REPORT')),
    from_jurisdiction     TEXT NOT NULL REFERENCES jurisdictions (code),
    to_jurisdiction       TEXT NOT NULL REFERENCES jurisdictions (code),
    requested_by          UUID REFERENCES accounts (id),
    reason                TEXT NOT NULL,
    requested_at          TIMESTAMPTZ NOT NULL,
    due_at                TIMESTAMPTZ NOT NULL,
    status                TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DECIDED', 'WITHDRAWN')),
    decision              TEXT CHECK (decision IN ('UPHELD', 'CHANGED', 'REVOKED')),
    opinion               TEXT,
    decided_by            UUID REFERENCES accounts (id),
    decided_at            TIMESTAMPTZ
);
CREATE INDEX escalations_case_idx ON escalations (case_id, requested_at);
CREATE INDEX escalations_to_idx ON escalations (to_jurisdiction, status, requested_at DESC, id DESC);

-- Serial numbers of references, per jurisdiction and year, handed out atomically.
CREATE TABLE reference_counters (
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    year              INTEGER NOT NULL,
    last_serial       INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_code, year)
);
INSERT INTO reference_counters (jurisdiction_code, year, last_serial)
SELECT jurisdiction_code, split_part(reference, '-', 2)::int, max(split_part(reference, '-', 3)::int)
FROM cases GROUP BY 1, 2;
