-- The MLS delivery service (PostgreSQL). Keep in step with ../../sqlite.
-- The server stores only opaque MLS bytes and the metadata it needs to order and
-- route them.

-- One per signed-in browser, app or CLI: one MLS leaf. signature_key is the device's
-- public MLS signature key.
CREATE TABLE devices (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    signature_key BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX devices_by_user ON devices (user_id);

-- MLS key packages: each handed out once, except a device's last-resort package.
CREATE TABLE key_packages (
    id          TEXT PRIMARY KEY NOT NULL,
    device_id   TEXT NOT NULL REFERENCES devices (id),
    body        BYTEA NOT NULL,
    last_resort BOOLEAN NOT NULL,
    created_at  BIGINT NOT NULL,
    claimed_at  BIGINT
);
CREATE INDEX key_packages_by_device ON key_packages (device_id, claimed_at);

-- One MLS group per room channel. epoch is the group's current epoch as the server
-- has accepted commits; next_seq the next log position.
CREATE TABLE groups (
    id         TEXT PRIMARY KEY NOT NULL,
    room_id    TEXT NOT NULL REFERENCES rooms (id),
    channel    TEXT NOT NULL CHECK (channel IN ('team', 'family')),
    epoch      BIGINT NOT NULL,
    next_seq   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (room_id, channel)
);

-- The ordered log of each group: commits, proposals, era-key messages and posts,
-- as opaque bytes. A client-chosen idempotency key makes a retried send land once.
CREATE TABLE group_log (
    group_id        TEXT NOT NULL REFERENCES groups (id),
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('commit', 'proposal', 'era_key', 'post')),
    sender_device   TEXT REFERENCES devices (id),
    epoch           BIGINT NOT NULL,
    body            BYTEA NOT NULL,
    idempotency_key TEXT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (group_id, seq),
    UNIQUE (group_id, idempotency_key)
);

-- MLS welcomes waiting for the devices they were made for.
CREATE TABLE welcomes (
    id         TEXT PRIMARY KEY NOT NULL,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    group_id   TEXT NOT NULL REFERENCES groups (id),
    body       BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    fetched_at BIGINT
);
CREATE INDEX welcomes_by_device ON welcomes (device_id, fetched_at);
