ALTER TABLE invitations DROP COLUMN used_by;
