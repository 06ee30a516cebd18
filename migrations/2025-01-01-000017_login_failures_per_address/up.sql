-- Failed logins per client address (issue 18): officers of a training room log in from one address (one NAT), so
-- an address is now refused for its failures (LOGIN_MAX_FAILURES_PER_ADDRESS a minute), not for its successes;
-- the `address` scope keeps counting every attempt, under a much higher ceiling (LOGIN_MAX_ATTEMPTS_PER_ADDRESS).
-- The new scope `address_failure` holds those failures, keyed like `address` (SHA-256 of the address). A success
-- does not clear them: one valid account must not reset the guessing budget of its address.
ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_scope_check;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check
    CHECK (scope IN ('account', 'address', 'address_failure'));
