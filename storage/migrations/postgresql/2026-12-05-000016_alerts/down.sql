DROP INDEX audit_log_by_ip;
DROP TABLE security_alert_cursor;
DROP INDEX security_alerts_by_subject;
DROP INDEX security_alerts_by_facility;
DROP TABLE security_alerts;
