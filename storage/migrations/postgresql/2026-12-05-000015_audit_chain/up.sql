-- Tamper-evident audit log and access records (issue 16). Keep in step with ../../sqlite.
--
-- Every entry gets a dense sequence number `seq` and `hash` = SHA-256(previous hash ||
-- canonical encoding of the entry), computed by the server (storage/src/audit/chain.rs).
-- `device_id` and `room_id` say which device read which room (access records).
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
ALTER TABLE audit_log ADD COLUMN device_id TEXT;
ALTER TABLE audit_log ADD COLUMN room_id TEXT;

-- Rows written before the chain are numbered here in the order they were written;
-- the first append after this migration seals them (fills in their hashes).
DROP TRIGGER audit_log_no_update ON audit_log;
UPDATE audit_log SET seq = numbered.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY at, id) AS n FROM audit_log) AS numbered
WHERE numbered.id = audit_log.id;

-- A sealed row (one with a hash) can never change; only legacy rows are sealed once.
CREATE FUNCTION audit_log_refuse_sealed_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_sealed_change();

CREATE UNIQUE INDEX audit_log_by_seq ON audit_log (seq);
CREATE INDEX audit_log_by_room ON audit_log (room_id, at) WHERE room_id IS NOT NULL;
CREATE INDEX audit_log_by_actor ON audit_log (actor_user_id, at);

-- The chain's head: the last seq and its hash. Every append updates this one row
-- first (a row lock), which serialises appends across nodes. 'unsealed' means legacy
-- rows still need hashes.
CREATE TABLE audit_chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain_head (id, seq, hash)
SELECT 1, COUNT(*), CASE WHEN COUNT(*) = 0
    THEN '0000000000000000000000000000000000000000000000000000000000000000'
    ELSE 'unsealed' END
FROM audit_log;
