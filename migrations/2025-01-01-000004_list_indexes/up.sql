-- An index behind every list filter and sort that the earlier migrations left uncovered.

CREATE INDEX units_created_at_idx ON units (created_at, id);
CREATE INDEX units_code_trgm_idx ON units USING gin (code gin_trgm_ops);
CREATE INDEX units_name_trgm_idx ON units USING gin (name gin_trgm_ops);
CREATE INDEX units_parent_code_idx ON units (parent_id, code, id);

CREATE INDEX programs_name_idx ON programs (name, id);
CREATE INDEX programs_created_at_idx ON programs (created_at, id);
CREATE INDEX programs_name_trgm_idx ON programs USING gin (name gin_trgm_ops);

-- `-grade` sorts with nulls last.
CREATE INDEX participants_grade_rank_desc_idx ON participants (grade_rank DESC NULLS LAST, id DESC);
-- The default list hides archived officers: a partial index serves the common case.
CREATE INDEX participants_active_name_idx ON participants (name_search, id) WHERE archived_at IS NULL;
CREATE INDEX participants_active_unit_name_idx ON participants (unit_id, name_search, id) WHERE archived_at IS NULL;

CREATE INDEX events_title_idx ON events (title, id);
CREATE INDEX events_created_at_idx ON events (created_at, id);
CREATE INDEX events_active_starts_on_idx ON events (starts_on, id) WHERE archived_at IS NULL;

CREATE INDEX enrollments_event_status_created_idx ON enrollments (event_id, status, created_at, id);
