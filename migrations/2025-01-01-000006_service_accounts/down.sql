DROP INDEX audit_log_actor_client_idx;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_client_id_fkey;
DROP TABLE clients;
-- the technical users of the clients go with them; rows that refer to them keep working only while they exist,
-- so they are kept, as ordinary (inactive) administrators without a password
UPDATE users SET is_active = FALSE WHERE service_account;
ALTER TABLE users DROP CONSTRAINT users_service_account_check;
ALTER TABLE users DROP COLUMN service_account;
