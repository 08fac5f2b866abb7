-- Closing a room, retention per facility and legal holds (issue 16). Keep in step
-- with ../../postgresql.
--
-- Nothing here holds what a room says: dates, reasons from a fixed list, IDs, and
-- the administrator's own words for a legal hold.

-- A closed room: read-only for its members until the retention period of its
-- facility has passed, then its content is deleted and deleted_at is set. The row
-- stays as a tombstone so the audit trail (room.closed, room.deleted) still
-- names a room the database knows.
CREATE TABLE room_closures (
    room_id    TEXT PRIMARY KEY NOT NULL REFERENCES rooms (id),
    closed_at  BIGINT NOT NULL,
    closed_by  TEXT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL CHECK (reason IN ('moved', 'deceased', 'other')),
    deleted_at BIGINT
);

-- A legal hold: while a row exists, the room's content is never deleted.
CREATE TABLE room_holds (
    room_id   TEXT PRIMARY KEY NOT NULL REFERENCES rooms (id),
    placed_by TEXT NOT NULL REFERENCES users (id),
    placed_at BIGINT NOT NULL,
    reason    TEXT NOT NULL
);

-- A facility's retention period, in whole years after closing (2 nationally, up to
-- 5 in some prefectures). No row: the default, 5 years.
CREATE TABLE retention_policies (
    organisation_id TEXT PRIMARY KEY NOT NULL REFERENCES organisations (id),
    years           BIGINT NOT NULL CHECK (years BETWEEN 2 AND 5),
    updated_by      TEXT NOT NULL REFERENCES users (id),
    updated_at      BIGINT NOT NULL
);
