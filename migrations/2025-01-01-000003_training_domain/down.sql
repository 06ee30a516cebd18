DROP TABLE attendance;
DROP TABLE enrollments;
DROP TABLE event_unit_quotas;
DROP INDEX sessions_starts_at_idx;
DROP INDEX events_title_trgm_idx;
DROP INDEX events_kind_idx;
DROP INDEX events_status_idx;
ALTER TABLE events DROP COLUMN created_by, DROP COLUMN archived_at;
DROP INDEX programs_year_idx;
ALTER TABLE programs DROP COLUMN archived_at;
DROP INDEX participants_unit_id_idx;
CREATE INDEX participants_unit_id_idx ON participants (unit_id, id);
DROP INDEX participants_created_at_idx;
DROP INDEX participants_employee_type_idx;
DROP INDEX participants_grade_rank_idx;
DROP INDEX participants_name_search_idx;
DROP INDEX participants_name_search_trgm_idx;
DELETE FROM participants WHERE nip IS NULL;
ALTER TABLE participants
    DROP CONSTRAINT participants_nip_present_check,
    DROP COLUMN erased_at,
    DROP COLUMN archived_at,
    DROP COLUMN grade_rank,
    DROP COLUMN name_search,
    DROP COLUMN position_kind,
    ALTER COLUMN nip SET NOT NULL;
DROP INDEX units_type_idx;
DROP INDEX units_name_idx;
DROP INDEX units_code_idx;
ALTER TABLE units DROP COLUMN archived_at;
