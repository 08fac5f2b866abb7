DROP TABLE safety_check_closures;
DROP TABLE safety_answers;
