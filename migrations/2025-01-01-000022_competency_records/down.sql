DROP TABLE competency_record_scans;
DROP TABLE competency_records;
DROP FUNCTION webhook_competency_records();
DROP TABLE development_forms;
CREATE OR REPLACE FUNCTION audit_personal_keys() RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY['nip', 'full_name', 'email', 'phone', 'position', 'holder_name', 'display_name',
                       'username', 'note'] $$;
