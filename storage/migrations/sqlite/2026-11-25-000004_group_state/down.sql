DROP TABLE session_devices;
ALTER TABLE groups DROP COLUMN public_state;
