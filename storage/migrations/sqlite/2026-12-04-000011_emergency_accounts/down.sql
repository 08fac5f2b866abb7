DROP TABLE emergency_approvals;
DROP TABLE emergency_accounts;
DROP TABLE disaster_declarations;
