-- Webhooks (issue 29): an admin's subscription of an integrator's endpoint to the event feed of a jurisdiction's
-- subtree. Each webhook remembers the feed position it delivered last; delivery is at least once, in feed order,
-- and one server at a time per webhook (a lease a server takes with SKIP LOCKED and renews while it delivers).
CREATE TABLE webhooks (
    id                  UUID PRIMARY KEY,
    jurisdiction_code   TEXT NOT NULL REFERENCES jurisdictions (code),
    url                 TEXT NOT NULL,
    -- The kinds of case entry delivered; NULL: every kind.
    kinds               TEXT[],
    -- The signing secret (Standard Webhooks' `whsec_…`): needed in clear to sign, shown once, rotated on request.
    secret              TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED', 'DEAD')),
    -- The feed position delivered last (`models::feed::FeedKey`).
    after_written_in    BIGINT NOT NULL,
    after_source        SMALLINT NOT NULL,
    after_id            BIGINT NOT NULL,
    failures            INTEGER NOT NULL DEFAULT 0,
    failing_since       TIMESTAMPTZ,
    next_attempt_at     TIMESTAMPTZ NOT NULL,
    -- The server delivering now, until when (another takes over after).
    leased_by           UUID,
    lease_until         TIMESTAMPTZ,
    created_by          UUID NOT NULL REFERENCES accounts (id),
    created_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhooks_due_idx ON webhooks (next_attempt_at) WHERE status = 'ACTIVE';
CREATE INDEX webhooks_jurisdiction_idx ON webhooks (jurisdiction_code);

-- Every attempt, for the admins' list of recent deliveries.
CREATE TABLE webhook_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    webhook_id      UUID NOT NULL REFERENCES webhooks (id),
    message_id      TEXT NOT NULL,
    event_kind      TEXT NOT NULL,
    attempted_at    TIMESTAMPTZ NOT NULL,
    status_code     INTEGER,
    error           TEXT,
    succeeded       BOOLEAN NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC);
