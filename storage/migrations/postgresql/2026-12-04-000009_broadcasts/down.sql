DROP TABLE broadcast_receipts;
DROP TABLE broadcasts;
DROP TABLE broadcast_rosters;
DROP FUNCTION broadcast_rosters_refuse_change();
DELETE FROM memberships WHERE role = 'broadcast_officer';
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check CHECK (role IN ('officer',
    'facility_admin', 'doctor', 'nurse', 'helper', 'care_manager', 'therapist', 'pharmacist',
    'other_professional'));
