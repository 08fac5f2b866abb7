-- Regional broadcasts (issue 14). Keep in step with ../../sqlite.

-- The broadcast officer role.
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('officer',
    'broadcast_officer', 'facility_admin', 'doctor', 'nurse', 'helper', 'care_manager',
    'therapist', 'pharmacist', 'other_professional'));

-- Each organisation's roster of officer keys: an append-only hash chain of signed
-- changes, exactly as the officer's device signed them (clients verify them).
CREATE TABLE broadcast_rosters (
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    version          BIGINT NOT NULL CHECK (version >= 1),
    hash             BYTEA NOT NULL,
    payload          BYTEA NOT NULL,
    signature        BYTEA NOT NULL,
    signer_key       BYTEA NOT NULL,
    signer_device_id TEXT NOT NULL REFERENCES devices (id),
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, version)
);

CREATE FUNCTION broadcast_rosters_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'broadcast_rosters is append-only';
END;
$$;

CREATE TRIGGER broadcast_rosters_no_update BEFORE UPDATE OR DELETE ON broadcast_rosters
    FOR EACH ROW EXECUTE FUNCTION broadcast_rosters_refuse_change();

CREATE TRIGGER broadcast_rosters_no_truncate BEFORE TRUNCATE ON broadcast_rosters
    FOR EACH STATEMENT EXECUTE FUNCTION broadcast_rosters_refuse_change();

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
    payload          BYTEA NOT NULL,
    signature        BYTEA NOT NULL,
    signer_key       BYTEA NOT NULL
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
