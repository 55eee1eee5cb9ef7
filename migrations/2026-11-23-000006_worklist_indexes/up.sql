-- The overdue worklists ("what is late, newest first") read only cases that still owe a deadline: open cases are
-- a small share of all, so a page costs the same at a million cases as at ten thousand, where the plain order
-- index would walk past every answered and closed case of recent years to find twenty late ones.
CREATE INDEX cases_owing_received_idx ON cases (received_at DESC, id DESC) WHERE next_due_at IS NOT NULL;
CREATE INDEX cases_owing_jurisdiction_received_idx ON cases (jurisdiction_code, received_at DESC, id DESC)
    WHERE next_due_at IS NOT NULL;
