DROP INDEX group_log_urgent_by_time;
DROP TABLE escalations_sent;
DROP TABLE room_escalation;
DROP TABLE digest_pending;
DROP TABLE push_subscriptions;
DROP TABLE notification_settings;
