DROP TABLE case_events;
DROP FUNCTION forbid_history_rewrite();
DROP TABLE cases;
DROP TABLE refresh_tokens;
DROP TABLE accounts;
DROP TABLE units;
DROP TABLE jurisdictions;
