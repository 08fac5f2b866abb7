DROP TABLE audit_chain_head;
DROP INDEX audit_log_by_actor;
DROP INDEX audit_log_by_room;
DROP INDEX audit_log_by_seq;
DROP TRIGGER audit_log_no_update;
ALTER TABLE audit_log DROP COLUMN room_id;
ALTER TABLE audit_log DROP COLUMN device_id;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN seq;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
