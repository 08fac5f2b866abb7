DROP TABLE audit_chain_head;
DROP INDEX audit_log_by_actor;
DROP INDEX audit_log_by_room;
DROP INDEX audit_log_by_seq;
DROP TRIGGER audit_log_no_update ON audit_log;
DROP FUNCTION audit_log_refuse_sealed_change;
ALTER TABLE audit_log DROP COLUMN room_id;
ALTER TABLE audit_log DROP COLUMN device_id;
ALTER TABLE audit_log DROP COLUMN hash;
ALTER TABLE audit_log DROP COLUMN seq;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
