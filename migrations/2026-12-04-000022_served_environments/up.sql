-- A database remembers that a production server has used it, so that the tools that write made-up data (the demo
-- data, `petition-api generate`) refuse it even when the operator forgot APP_ENV=production: its history is
-- append-only, and made-up cases could never be removed from it.
CREATE TABLE served_environments (
    environment text PRIMARY KEY CHECK (environment IN ('production')),
    first_served_at timestamptz NOT NULL DEFAULT now()
);
