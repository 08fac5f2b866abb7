DROP INDEX group_log_post_id;
ALTER TABLE group_log DROP COLUMN post_id;
