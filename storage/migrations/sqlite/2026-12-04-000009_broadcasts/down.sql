DROP TABLE broadcast_receipts;
DROP TABLE broadcasts;
DROP TRIGGER broadcast_rosters_no_delete;
DROP TRIGGER broadcast_rosters_no_update;
DROP TABLE broadcast_rosters;
DELETE FROM memberships WHERE role = 'broadcast_officer';
CREATE TABLE memberships_old (
    user_id         TEXT NOT NULL REFERENCES users (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role            TEXT NOT NULL CHECK (role IN ('officer', 'facility_admin', 'doctor', 'nurse',
                        'helper', 'care_manager', 'therapist', 'pharmacist', 'other_professional')),
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (user_id, organisation_id, role)
);
INSERT INTO memberships_old SELECT user_id, organisation_id, role, created_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_old RENAME TO memberships;
CREATE INDEX memberships_by_organisation ON memberships (organisation_id);
