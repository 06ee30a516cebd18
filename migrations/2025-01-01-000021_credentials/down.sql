DROP TABLE certificate_credentials;
DROP TABLE status_lists;
DROP TABLE signing_keys;
