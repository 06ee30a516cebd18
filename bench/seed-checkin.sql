-- The check-in case of the benchmark, reset before every run: an ongoing event whose 20 sessions are open now,
-- :officers approved officers with their check-in codes, and no attendance yet, so that each (session, code)
-- pair the load generator sends is one write (20 x 5,000 = 100,000 distinct check-ins).
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO events (title, kind, host_unit_id, starts_on, ends_on, capacity, status)
SELECT 'Bench Check-in', 'workshop', (SELECT id FROM units WHERE code = 'BENCH-1'), current_date, current_date,
       10000, 'ongoing'
WHERE NOT EXISTS (SELECT 1 FROM events WHERE title = 'Bench Check-in');
CREATE TEMP TABLE ev ON COMMIT DROP AS SELECT id FROM events WHERE title = 'Bench Check-in';
UPDATE events SET status = 'ongoing' WHERE id = (SELECT id FROM ev);

INSERT INTO sessions (event_id, kind, title, starts_at, ends_at, jp)
SELECT ev.id, 'seminar', 'Sesi ' || s, now(), now() + interval '3 hours', 1
FROM ev, generate_series(0, 19) AS s
WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE event_id = ev.id);
DELETE FROM attendance WHERE session_id IN (SELECT s.id FROM sessions s JOIN ev ON ev.id = s.event_id);
UPDATE sessions SET starts_at = now(), ends_at = now() + interval '3 hours'
WHERE event_id = (SELECT id FROM ev);

INSERT INTO enrollments (event_id, participant_id, status, check_in_code)
SELECT ev.id, p.id, 'approved', 'bench-' || md5(ev.id::text || p.id::text)
FROM ev JOIN participants p ON p.full_name IN (
    SELECT 'Peserta ' || g FROM generate_series(1, :officers) AS g)
ON CONFLICT DO NOTHING;
COMMIT;
VACUUM ANALYZE attendance;
