-- Regional broadcasts (issue 14). Keep in step with ../../postgresql.

-- The broadcast officer role. SQLite cannot change a CHECK constraint, so the table
-- is rebuilt with the same rows (nothing references memberships).
CREATE TABLE memberships_new (
    user_id         TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role            TEXT NOT NULL CHECK (role IN ('officer', 'broadcast_officer', 'facility_admin',
                        'doctor', 'nurse', 'helper', 'care_manager', 'therapist', 'pharmacist',
                        'other_professional')),
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, organisation_id, role)
);
INSERT INTO memberships_new SELECT user_id, organisation_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE INDEX memberships_by_organisation ON memberships (organisation_id);

-- Each organisation's roster of officer keys: an append-only hash chain of signed
-- changes, exactly as the officer's device signed them (clients verify them).
CREATE TABLE broadcast_rosters (
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    version          BIGINT NOT NULL CHECK (version >= 1),
    hash             BLOB NOT NULL,
    payload          BLOB NOT NULL,
    signature        BLOB NOT NULL,
    signer_key       BLOB NOT NULL,
    signer_device_id TEXT NOT NULL REFERENCES devices (id),
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, version)
);

CREATE TRIGGER broadcast_rosters_no_update BEFORE UPDATE ON broadcast_rosters
BEGIN
    SELECT RAISE(ABORT, 'broadcast_rosters is append-only');
END;

CREATE TRIGGER broadcast_rosters_no_delete BEFORE DELETE ON broadcast_rosters
BEGIN
    SELECT RAISE(ABORT, 'broadcast_rosters is append-only');
END;

-- One row per broadcast, stored once whatever the number of recipients. The clear
-- columns are read from the signed payload, which is kept byte for byte.
CREATE TABLE broadcasts (
    id               TEXT PRIMARY KEY NOT NULL,
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    severity         TEXT NOT NULL CHECK (severity IN ('info', 'caution', 'warning', 'emergency')),
    sent_at          BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    include_families BOOLEAN NOT NULL,
    safety_check     BOOLEAN NOT NULL,
    signer_user_id   TEXT NOT NULL REFERENCES users (id),
    signer_device_id TEXT NOT NULL REFERENCES devices (id),
    payload          BLOB NOT NULL,
    signature        BLOB NOT NULL,
    signer_key       BLOB NOT NULL
);
CREATE INDEX broadcasts_by_organisation ON broadcasts (organisation_id, sent_at);

-- Who has had, opened and acknowledged which broadcast.
CREATE TABLE broadcast_receipts (
    broadcast_id    TEXT NOT NULL REFERENCES broadcasts (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    delivered_at    BIGINT NOT NULL,
    opened_at       BIGINT,
    acknowledged_at BIGINT,
    PRIMARY KEY (broadcast_id, user_id)
);
