-- Sealed names cannot be read back here: rooms without a legacy name get an empty one.
ALTER TABLE invitations DROP COLUMN sealed_invitee_name;
ALTER TABLE rooms ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
UPDATE rooms SET display_name = COALESCE(legacy_name, '');
ALTER TABLE rooms DROP COLUMN legacy_name;
ALTER TABLE rooms DROP COLUMN state_revision;
ALTER TABLE rooms DROP COLUMN sealed_state;
