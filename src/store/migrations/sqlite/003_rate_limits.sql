-- Rate limits that must hold across instances (failed logins, registrations): one token bucket
-- per key ("login:account:<name>", "login:address:<ip>", "register:address:<ip>"), kept as its
-- GCRA theoretical arrival time in UTC microseconds. A row whose time has passed is a full
-- bucket and is purged now and then.
CREATE TABLE rate_limits (
    key TEXT   PRIMARY KEY,
    tat BIGINT NOT NULL
);
