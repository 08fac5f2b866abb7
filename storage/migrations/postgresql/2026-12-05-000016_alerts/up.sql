-- Security alerts (issue 16): anomalies found in the audit log, raised to the
-- administrators of the facilities the person belongs to. Keep in step with
-- ../../sqlite.
--
-- An alert names a person (or an address) and counts; never what they read.

CREATE TABLE security_alerts (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('failed_sign_ins', 'failed_sign_ins_from_address',
                        'unusual_hour', 'many_rooms', 'bulk_downloads', 'new_device', 'break_glass')),
    subject_user_id TEXT REFERENCES users (id),
    subject_ip      TEXT,
    -- What makes it one alert: the kind, the subject and the audit record that
    -- started it. A second scan of the same records cannot raise it twice.
    source_key      TEXT NOT NULL,
    first_at        BIGINT NOT NULL,
    last_at         BIGINT NOT NULL,
    count           BIGINT NOT NULL,
    -- JSON: what the words need (the window, the hour, the usual hours). No content.
    detail          TEXT NOT NULL,
    raised_at       BIGINT NOT NULL,
    closed_at       BIGINT,
    closed_by       TEXT REFERENCES users (id),
    close_note      TEXT,
    UNIQUE (organisation_id, source_key),
    CHECK (subject_user_id IS NOT NULL OR subject_ip IS NOT NULL),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (close_note IS NULL))
);
CREATE INDEX security_alerts_by_facility ON security_alerts (organisation_id, closed_at, raised_at);
CREATE INDEX security_alerts_by_subject ON security_alerts (kind, subject_user_id, subject_ip, last_at);

-- How far the alert job has read the audit log: one row, updated first in each scan
-- so the nodes take turns, and moved with the alerts it raised in one transaction.
-- It starts now: history from before alerts existed raises nothing.
CREATE TABLE security_alert_cursor (
    id         BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    after_at   BIGINT NOT NULL,
    after_id   TEXT NOT NULL,
    scanned_at BIGINT NOT NULL
);
INSERT INTO security_alert_cursor (id, after_at, after_id, scanned_at)
    VALUES (1, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT, '', 0);

-- The rules look at one address's recent records (one person's: audit_log_by_actor,
-- made with the audit chain).
CREATE INDEX audit_log_by_ip ON audit_log (ip, at);
