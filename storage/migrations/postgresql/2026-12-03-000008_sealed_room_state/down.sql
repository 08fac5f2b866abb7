-- Sealed names cannot be read back here: rooms without a legacy name get an empty one.
ALTER TABLE invitations DROP COLUMN sealed_invitee_name;
UPDATE rooms SET legacy_name = '' WHERE legacy_name IS NULL;
ALTER TABLE rooms ALTER COLUMN legacy_name SET NOT NULL;
ALTER TABLE rooms RENAME COLUMN legacy_name TO display_name;
ALTER TABLE rooms DROP COLUMN state_revision;
ALTER TABLE rooms DROP COLUMN sealed_state;
