-- Disaster declarations and break-glass (emergency) accounts, issue 14.
-- Keep in step with ../../sqlite.

-- A regional organisation (association, city) declares a disaster for itself and
-- every organisation under it; one open declaration per organisation at a time.
CREATE TABLE disaster_declarations (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    declared_by     TEXT NOT NULL REFERENCES users (id),
    declared_at     BIGINT NOT NULL,
    ended_by        TEXT REFERENCES users (id),
    ended_at        BIGINT
);
CREATE UNIQUE INDEX disaster_declarations_open ON disaster_declarations (organisation_id) WHERE ended_at IS NULL;

-- A facility's sealed emergency accounts: not personal (a password sheet and a
-- security key kept in the facility's safe). The account itself is an ordinary
-- user row with a staff membership; this row says it is an emergency account and
-- where it stands:
--   awaiting_enrolment  an enrolment link is out; no credentials yet
--   sealed              enrolled; signs in only while admitted (a declared
--                       disaster over the facility, or two administrators' approval)
--   in_use              signed in during the current admission
--   needs_reseal        the admission ended after use (or an administrator ended
--                       it): sessions ended; must be enrolled afresh
CREATE TABLE emergency_accounts (
    user_id        TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    facility_id    TEXT NOT NULL REFERENCES organisations (id),
    label          TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('awaiting_enrolment', 'sealed', 'in_use', 'needs_reseal')),
    created_by     TEXT NOT NULL REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    sealed_at      BIGINT,
    -- Two administrators approved use until then.
    approved_until BIGINT
);
CREATE INDEX emergency_accounts_facility ON emergency_accounts (facility_id);

-- Pending approvals; two different administrators within the approval window
-- admit the account, and their approvals are then consumed.
CREATE TABLE emergency_approvals (
    user_id     TEXT NOT NULL REFERENCES users (id),
    approved_by TEXT NOT NULL REFERENCES users (id),
    approved_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, approved_by)
);
