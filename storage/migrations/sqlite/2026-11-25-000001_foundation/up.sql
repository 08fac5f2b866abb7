-- Kizuna foundation schema (SQLite). Keep in step with ../../postgresql.
-- IDs are UUIDs stored as text; times are Unix milliseconds.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('clinic', 'nursing_station', 'helper_office',
                    'care_management_office', 'pharmacy', 'association', 'city')),
    parent_id   TEXT REFERENCES organisations (id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    login_id        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    is_system_admin BOOLEAN NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'disabled')),
    created_at      BIGINT NOT NULL,
    last_sign_in_at BIGINT
);

CREATE TABLE memberships (
    user_id         TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role            TEXT NOT NULL CHECK (role IN ('officer', 'facility_admin', 'doctor', 'nurse',
                        'helper', 'care_manager', 'therapist', 'pharmacist', 'other_professional')),
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, organisation_id, role)
);
CREATE INDEX memberships_by_organisation ON memberships (organisation_id);

-- display_name is what the team calls the room ("Room 3, Tuesday visits"); the client's
-- real name is not stored here unless the owner chooses to use it as the display name.
CREATE TABLE rooms (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    display_name    TEXT NOT NULL,
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      BIGINT NOT NULL
);
CREATE INDEX rooms_by_organisation ON rooms (organisation_id);

CREATE TABLE room_members (
    room_id       TEXT NOT NULL REFERENCES rooms (id),
    user_id       TEXT NOT NULL REFERENCES users (id),
    role          TEXT NOT NULL CHECK (role IN ('owner', 'delegate', 'professional', 'family', 'volunteer')),
    team_access   BOOLEAN NOT NULL,
    family_access BOOLEAN NOT NULL,
    added_by      TEXT REFERENCES users (id),
    added_at      BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id),
    -- Family and volunteers never see the professionals' channel.
    CHECK (NOT (role IN ('family', 'volunteer') AND team_access))
);
CREATE INDEX room_members_by_user ON room_members (user_id);

-- One-time links (bootstrap administrator, staff and room invitations, recovery).
-- Only a SHA-256 hash of the token is stored.
CREATE TABLE invitations (
    id              TEXT PRIMARY KEY NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('bootstrap_admin', 'staff', 'room', 'recovery')),
    organisation_id TEXT REFERENCES organisations (id),
    room_id         TEXT REFERENCES rooms (id),
    role            TEXT,
    invitee_name    TEXT,
    created_by      TEXT REFERENCES users (id),
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);

-- Append-only: the triggers below refuse any change to a written row.
CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY NOT NULL,
    at            BIGINT NOT NULL,
    actor_user_id TEXT,
    action        TEXT NOT NULL,
    target_kind   TEXT,
    target_id     TEXT,
    ip            TEXT,
    outcome       TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
    detail        TEXT
);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
