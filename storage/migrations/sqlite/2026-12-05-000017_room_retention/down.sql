DROP TABLE retention_policies;
DROP TABLE room_holds;
DROP TABLE room_closures;
