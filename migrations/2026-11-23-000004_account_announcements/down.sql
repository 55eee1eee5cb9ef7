DROP TRIGGER jurisdictions_announce_change ON jurisdictions;
DROP TRIGGER units_announce_change ON units;
DROP TRIGGER accounts_announce_change ON accounts;
DROP FUNCTION announce_account_change();
