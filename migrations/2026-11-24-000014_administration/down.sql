DROP TABLE admin_events;
ALTER TABLE units DROP COLUMN active;
DROP INDEX accounts_jurisdiction_idx;
ALTER TABLE accounts DROP COLUMN must_change_password, DROP COLUMN active;
