DROP TABLE read_positions;
DROP TABLE blobs;
ALTER TABLE group_log DROP COLUMN urgency;
