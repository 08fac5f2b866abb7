DROP TABLE welcomes;
DROP TABLE group_log;
DROP TABLE groups;
DROP TABLE key_packages;
DROP TABLE devices;
