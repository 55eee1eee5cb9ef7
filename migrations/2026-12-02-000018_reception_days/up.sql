-- Leaders' reception days (领导接访、下访、约访): sessions a bureau schedules for a leader, publishes for the public,
-- and petitioners book. A session's `booked` count is kept on its row and moved by one conditional update per
-- booking, so that concurrent bookings never exceed its capacity.
CREATE TABLE reception_sessions (
    id                UUID PRIMARY KEY,
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions (code),
    leader_account_id UUID NOT NULL REFERENCES accounts (id),
    -- As the public schedule shows it: 县委书记, 副县长 …
    leader_title      TEXT NOT NULL CHECK (length(leader_title) BETWEEN 1 AND 50),
    kind              TEXT NOT NULL CONSTRAINT reception_sessions_kind_known
                          CHECK (kind IN ('PUBLIC_RECEPTION', 'DOWN_VISIT', 'APPOINTMENT', 'VIDEO')),
    starts_at         TIMESTAMPTZ NOT NULL,
    ends_at           TIMESTAMPTZ NOT NULL CHECK (ends_at > starts_at),
    place             TEXT NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    capacity          INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    booked            INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    status            TEXT NOT NULL DEFAULT 'SCHEDULED' CONSTRAINT reception_sessions_status_known
                          CHECK (status IN ('SCHEDULED', 'PUBLISHED', 'CANCELLED')),
    cancellation_reason TEXT,
    scheduled_by      UUID NOT NULL REFERENCES accounts (id),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'CANCELLED') = (cancellation_reason IS NOT NULL))
);
CREATE INDEX reception_sessions_schedule_idx ON reception_sessions (jurisdiction_code, starts_at);

CREATE TABLE reception_bookings (
    id                    UUID PRIMARY KEY,
    session_id            UUID NOT NULL REFERENCES reception_sessions (id),
    petitioner_account_id UUID NOT NULL REFERENCES accounts (id),
    -- The matter in a few words, and the petitioner's case when it has one.
    matter                TEXT NOT NULL CHECK (length(matter) BETWEEN 1 AND 200),
    case_id               UUID REFERENCES cases (id),
    status                TEXT NOT NULL DEFAULT 'BOOKED' CHECK (status IN ('BOOKED', 'CANCELLED')),
    booked_at             TIMESTAMPTZ NOT NULL,
    cancelled_at          TIMESTAMPTZ
);
-- One booking per petitioner per session (a cancelled one may be booked again).
CREATE UNIQUE INDEX reception_bookings_one_per_petitioner
    ON reception_bookings (session_id, petitioner_account_id) WHERE status = 'BOOKED';
CREATE INDEX reception_bookings_petitioner_idx ON reception_bookings (petitioner_account_id, booked_at);

-- Who was received at a session: each visitor's matter, an existing case or a petition recorded there (channel
-- VISIT), and whether the leader took charge of it on the spot (包案).
CREATE TABLE reception_visits (
    id                 UUID PRIMARY KEY,
    session_id         UUID NOT NULL REFERENCES reception_sessions (id),
    case_id            UUID NOT NULL REFERENCES cases (id),
    -- The case's jurisdiction, like every case-scoped table.
    jurisdiction_code  TEXT NOT NULL REFERENCES jurisdictions (code),
    new_petition       BOOLEAN NOT NULL,
    leader_took_charge BOOLEAN NOT NULL,
    persons            INTEGER NOT NULL DEFAULT 1 CHECK (persons >= 1),
    recorded_by        UUID NOT NULL REFERENCES accounts (id),
    recorded_at        TIMESTAMPTZ NOT NULL,
    UNIQUE (session_id, case_id)
);
CREATE INDEX reception_visits_session_idx ON reception_visits (session_id);
