DROP TABLE audit_log;
DROP TABLE invitations;
DROP TABLE room_members;
DROP TABLE rooms;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organisations;
DROP FUNCTION audit_log_refuse_change;
