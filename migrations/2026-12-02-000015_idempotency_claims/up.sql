-- `submitPetition` claims its idempotency key first, in the transaction that then writes the case: the key's row
-- names a case that exists only by the time the transaction commits, so its reference is checked then. (The
-- claim replaces a check outside the transaction, an advisory lock and a second check inside it.)
ALTER TABLE idempotency_keys ALTER CONSTRAINT idempotency_keys_case_id_fkey DEFERRABLE INITIALLY DEFERRED;
