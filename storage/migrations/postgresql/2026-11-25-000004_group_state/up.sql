-- The delivery service's public view of each group (PostgreSQL). Keep in step with
-- ../../sqlite. public_state is the server's member-less copy of the group's
-- ratchet tree and context (no secrets), used to validate every commit against
-- room policy before it enters the log.
ALTER TABLE groups ADD COLUMN public_state BYTEA;

-- Which device a session acts for (set when the device registers or a signed-in
-- client names its device), so revoking a device ends its sessions at once.
CREATE TABLE session_devices (
    session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id),
    device_id  TEXT NOT NULL REFERENCES devices (id)
);
CREATE INDEX session_devices_by_device ON session_devices (device_id);
