-- Images attached to regional broadcasts (an evacuation map), issue 14.
-- Keep in step with ../../sqlite.
--
-- A broadcast is not end-to-end encrypted: the image is encrypted under a key that
-- travels in the signed notice, with its SHA-256, so clients detect any change. The
-- blob belongs to no room; it is fetched by whoever the notice reaches once sent,
-- by its uploader before.
CREATE TABLE broadcast_maps (
    blob_id         TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    uploaded_by     TEXT NOT NULL REFERENCES users (id),
    size            BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    broadcast_id    TEXT REFERENCES broadcasts (id)
);
CREATE INDEX broadcast_maps_broadcast ON broadcast_maps (broadcast_id);
