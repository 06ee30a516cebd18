-- The bulk-decision case of the benchmark (issue 18), reset before every round: a published event with room for
-- everyone and 501 nominated officers: one is approved by the single call, the other 500 by one bulk call.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO events (title, kind, host_unit_id, starts_on, ends_on, capacity, status)
SELECT 'Bench Bulk', 'workshop', (SELECT id FROM units WHERE code = 'BENCH-1'), current_date + 30, current_date + 31,
       1000, 'published'
WHERE NOT EXISTS (SELECT 1 FROM events WHERE title = 'Bench Bulk');
CREATE TEMP TABLE ev ON COMMIT DROP AS SELECT id FROM events WHERE title = 'Bench Bulk';
INSERT INTO enrollments (event_id, participant_id, status, check_in_code)
SELECT ev.id, p.id, 'nominated', 'bulk-' || md5(ev.id::text || p.id::text)
FROM ev JOIN participants p ON p.full_name IN (SELECT 'Peserta ' || g FROM generate_series(1, 501) AS g)
ON CONFLICT DO NOTHING;
UPDATE enrollments SET status = 'nominated', decided_by = NULL, decided_at = NULL, waitlisted_at = NULL
WHERE event_id = (SELECT id FROM ev);
COMMIT;
