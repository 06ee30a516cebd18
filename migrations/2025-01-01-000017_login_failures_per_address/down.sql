DELETE FROM login_throttle WHERE scope = 'address_failure';
ALTER TABLE login_throttle DROP CONSTRAINT login_throttle_scope_check;
ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check
    CHECK (scope IN ('account', 'address'));
