-- Notifications (issue 15). Keep in step with ../../postgresql.
--
-- Nothing here can hold what a post says: levels, times, counts and IDs. A push
-- subscription's keys and endpoint are the browser's; the server only encrypts a
-- content-free payload to them.

-- One row per person who changed the defaults (push "urgent", e-mail "off").
-- Quiet hours are minutes after local midnight, local = UTC + utc_offset_minutes.
CREATE TABLE notification_settings (
    user_id               TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    push                  TEXT NOT NULL CHECK (push IN ('off', 'urgent', 'all')),
    email                 TEXT NOT NULL CHECK (email IN ('off', 'urgent', 'digest')),
    email_address         TEXT,
    digest_minutes        BIGINT NOT NULL,
    quiet_start           BIGINT,
    quiet_end             BIGINT,
    utc_offset_minutes    BIGINT NOT NULL,
    urgent_in_quiet_hours BOOLEAN NOT NULL,
    updated_at            BIGINT NOT NULL,
    CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);

-- A browser's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys). One row per
-- endpoint: subscribing the same browser again replaces it.
CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_by_user ON push_subscriptions (user_id);

-- Posts waiting for a person's next e-mail digest: a count per room, never which.
CREATE TABLE digest_pending (
    user_id  TEXT NOT NULL REFERENCES users (id),
    room_id  TEXT NOT NULL REFERENCES rooms (id),
    posts    BIGINT NOT NULL,
    first_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, room_id)
);

-- A room's escalation time for unread urgent posts; no row: the default. A row
-- with NULL minutes: escalation off.
CREATE TABLE room_escalation (
    room_id TEXT PRIMARY KEY NOT NULL REFERENCES rooms (id),
    minutes BIGINT
);

-- Urgent posts already escalated (once per post, whichever node claims it first).
CREATE TABLE escalations_sent (
    group_id TEXT NOT NULL REFERENCES groups (id),
    seq      BIGINT NOT NULL,
    sent_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, seq)
);

-- The escalation sweep looks at recent urgent posts only.
CREATE INDEX group_log_urgent_by_time ON group_log (created_at) WHERE urgency = 'urgent';
