-- Safety checks (安否確認, issue 14). Keep in step with ../../postgresql.
--
-- Only the coarse answer per client room is stored: status, kind of need, the
-- room's facility and who answered when. Names, notes and where someone went are
-- an end-to-end encrypted post in the room's team channel, never here. One row per
-- room and broadcast: a later answer replaces the earlier one (the audit log keeps
-- that an answer was given, when and by whom).
CREATE TABLE safety_answers (
    broadcast_id    TEXT NOT NULL REFERENCES broadcasts (id),
    room_id         TEXT NOT NULL REFERENCES rooms (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('safe', 'needs_support', 'unreachable', 'evacuated')),
    need            TEXT CHECK (need IN ('medical', 'evacuation', 'supplies', 'other')),
    answered_by     TEXT NOT NULL REFERENCES users (id),
    answered_at     BIGINT NOT NULL,
    PRIMARY KEY (broadcast_id, room_id),
    CHECK ((status = 'needs_support') = (need IS NOT NULL))
);

-- A safety check closed by an officer: no further answers.
CREATE TABLE safety_check_closures (
    broadcast_id TEXT PRIMARY KEY NOT NULL REFERENCES broadcasts (id),
    closed_by    TEXT NOT NULL REFERENCES users (id),
    closed_at    BIGINT NOT NULL
);
