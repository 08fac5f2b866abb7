-- Care content: attachments, read positions and the urgency flag of posts. Keep in
-- step with ../../postgresql. Everything here is metadata: the posts and files
-- themselves stay ciphertext.

-- The coarse urgency a sender chose to expose for a post, so notifications can say
-- "urgent" without saying what. NULL for other entries and for posts that did not say.
ALTER TABLE group_log ADD COLUMN urgency TEXT CHECK (urgency IN ('normal', 'soon', 'urgent'));

-- Encrypted attachments. The bytes live in the blob store under the same ID; this row
-- says who may fetch them (members of the room channel they were uploaded to), whom
-- they are charged to (the room's facility) and which post references them. An upload
-- still 'uploading' after a crash, or stored but never referenced by a post, is swept.
CREATE TABLE blobs (
    id              TEXT PRIMARY KEY NOT NULL,
    room_id         TEXT NOT NULL REFERENCES rooms (id),
    channel         TEXT NOT NULL CHECK (channel IN ('team', 'family')),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    uploaded_by     TEXT NOT NULL REFERENCES users (id),
    size            BIGINT NOT NULL CHECK (size >= 0),
    state           TEXT NOT NULL CHECK (state IN ('uploading', 'stored')),
    created_at      BIGINT NOT NULL,
    group_id        TEXT REFERENCES groups (id),
    post_seq        BIGINT
);
CREATE INDEX blobs_by_organisation ON blobs (organisation_id);
CREATE INDEX blobs_by_created ON blobs (created_at);

-- How far each person has read each channel (既読): a position in the group's log.
CREATE TABLE read_positions (
    group_id TEXT NOT NULL REFERENCES groups (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    seq      BIGINT NOT NULL,
    read_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
