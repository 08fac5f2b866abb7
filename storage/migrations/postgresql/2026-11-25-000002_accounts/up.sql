-- Accounts and two-factor sign-in (PostgreSQL). Keep in step with ../../sqlite.

-- Argon2id PHC string; NULL until the person finishes registration.
ALTER TABLE users ADD COLUMN password_hash TEXT;
-- Optional, only used to refuse passwords that contain it.
ALTER TABLE users ADD COLUMN birth_date TEXT;

-- Recovery links name the person they are for.
ALTER TABLE invitations ADD COLUMN target_user_id TEXT REFERENCES users (id);

-- The last passwords of each person, so none of the last five is reused.
CREATE TABLE password_history (
    user_id       TEXT NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX password_history_by_user ON password_history (user_id, created_at);

-- WebAuthn authenticators. passkey is webauthn-rs's serialised credential (public key,
-- counter, flags): public material only.
CREATE TABLE webauthn_credentials (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    passkey      TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX webauthn_credentials_by_user ON webauthn_credentials (user_id);

-- Server-side WebAuthn ceremony state: single use, deleted before it is acted on.
CREATE TABLE ceremonies (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    user_id    TEXT,
    state      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Sessions: only a hash of the token is stored.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    revoked_at   BIGINT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed sign-in counters, per login ID (existing or not) and per IP address.
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_at       BIGINT
);

-- Identity-verified resets (MHLW guideline): how identity was checked and by whom.
-- Append-only like the audit log.
CREATE TABLE reset_ledger (
    id                  TEXT PRIMARY KEY NOT NULL,
    at                  BIGINT NOT NULL,
    organisation_id     TEXT NOT NULL REFERENCES organisations (id),
    user_id             TEXT NOT NULL REFERENCES users (id),
    performed_by        TEXT NOT NULL REFERENCES users (id),
    verification_method TEXT NOT NULL CHECK (verification_method IN
                            ('in_person_photo_id', 'video_call', 'known_voice_phone', 'other')),
    verification_note   TEXT NOT NULL,
    invitation_id       TEXT NOT NULL REFERENCES invitations (id)
);
CREATE INDEX reset_ledger_by_organisation ON reset_ledger (organisation_id, at);

CREATE FUNCTION reset_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'reset_ledger is append-only';
END;
$$;

CREATE TRIGGER reset_ledger_no_update BEFORE UPDATE OR DELETE ON reset_ledger
    FOR EACH ROW EXECUTE FUNCTION reset_ledger_refuse_change();

CREATE TRIGGER reset_ledger_no_truncate BEFORE TRUNCATE ON reset_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION reset_ledger_refuse_change();

-- Server-wide secrets shared by all nodes (e.g. the key that makes decoy sign-in
-- challenges for unknown login IDs look like real ones).
CREATE TABLE server_settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
