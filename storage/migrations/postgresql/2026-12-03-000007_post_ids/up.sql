-- Replayed posts. Keep in step with ../../sqlite.
-- The post ID a sealed post carries in its clear header, so the database itself
-- refuses a second entry with the same post ID in one group: re-sending an earlier
-- post's exact bytes as a new message cannot be stored, on any node. NULL for other
-- entries, and for posts stored before this column existed (their clients still
-- drop replays of them).
ALTER TABLE group_log ADD COLUMN post_id TEXT;
CREATE UNIQUE INDEX group_log_post_id ON group_log (group_id, post_id) WHERE post_id IS NOT NULL;
