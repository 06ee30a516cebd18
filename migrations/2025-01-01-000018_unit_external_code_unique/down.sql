DROP INDEX units_external_code_key;
