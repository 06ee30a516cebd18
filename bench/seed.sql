-- Synthetic load data for the benchmark. :scale = 1 gives 20,000 participants, 500 events, 10,000 sessions,
-- 100,000 enrollments and 1,000,000 attendance records; 0.1 gives a tenth of each. The number of units scales
-- too, so every unit has 500 officers at any scale: a filtered page costs the same whatever the table's size.
-- Everything is invented: names are "Peserta <n>", NIPs are well-formed but belong to no one.
\set ON_ERROR_STOP on
BEGIN;
SELECT set_config('bench.participants', (20000 * :scale)::int::text, true),
       set_config('bench.events', (500 * :scale)::int::text, true);

INSERT INTO units (code, name, unit_type, class)
SELECT 'BENCH-' || i, 'Unit Benchmark ' || i, 'lapas', 'IIB' FROM generate_series(1, greatest(1, (40 * :scale)::int)) AS i
ON CONFLICT (code) DO NOTHING;

WITH u AS (SELECT array_agg(id ORDER BY code) AS ids FROM units WHERE code LIKE 'BENCH-%')
INSERT INTO participants (nip, full_name, name_search, sex, employee_type, grade, position, unit_id, email)
SELECT to_char(date '1965-01-01' + (i / 999), 'YYYYMMDD')
       || (1990 + i % 30)::text || lpad((1 + i % 12)::text, 2, '0')
       || CASE WHEN i % 2 = 0 THEN '1' ELSE '2' END
       || lpad((1 + i % 999)::text, 3, '0'),
       'Peserta ' || i, 'peserta ' || i,
       CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END,
       'pns',
       (ARRAY['II/a','II/b','II/c','II/d','III/a','III/b','III/c','III/d','IV/a'])[1 + i % 9],
       'Petugas Rehabilitasi',
       -- officers are registered unit by unit (as an import per unit does), so a unit's rows lie together
       u.ids[1 + ((i - 1) * array_length(u.ids, 1)) / current_setting('bench.participants')::int],
       'peserta' || i || '@example.invalid'
FROM generate_series(1, current_setting('bench.participants')::int) AS i, u;

WITH u AS (SELECT array_agg(id ORDER BY code) AS ids FROM units WHERE code LIKE 'BENCH-%')
INSERT INTO events (title, kind, host_unit_id, starts_on, ends_on, capacity, status)
SELECT 'Bimtek Benchmark ' || i, 'workshop', u.ids[1 + i % array_length(u.ids, 1)],
       date '2024-01-01' + (i % 700), date '2024-01-01' + (i % 700) + 1, 200, 'ongoing'
FROM generate_series(1, current_setting('bench.events')::int) AS i, u;

-- 20 sessions per event
INSERT INTO sessions (event_id, kind, title, starts_at, ends_at, jp)
SELECT e.id, 'seminar', 'Sesi ' || s,
       e.starts_on + time '01:00' + (s % 10) * interval '45 minutes' + (s / 10) * interval '1 day',
       e.starts_on + time '01:45' + (s % 10) * interval '45 minutes' + (s / 10) * interval '1 day',
       1
FROM events e CROSS JOIN generate_series(0, 19) AS s
WHERE e.title LIKE 'Bimtek Benchmark %';

-- 200 enrollments per event, spread over the participants
WITH p AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM participants WHERE full_name LIKE 'Peserta %'),
     e AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM events WHERE title LIKE 'Bimtek Benchmark %')
INSERT INTO enrollments (event_id, participant_id, status, check_in_code)
SELECT e.id, p.ids[1 + ((e.k * 200 + j) % p.n)], 'approved', md5(e.id::text || j::text)
FROM e, p, generate_series(0, 199) AS j
ON CONFLICT DO NOTHING;

-- attendance for half of the sessions of every event (10 sessions x 200 enrollments x events)
INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method, checked_in_at)
SELECT s.id, en.id, en.participant_id,
       CASE WHEN (hashtext(en.id::text || s.id::text) & 15) = 0 THEN 'absent' ELSE 'present' END,
       'manual', s.starts_at
FROM enrollments en
JOIN sessions s ON s.event_id = en.event_id AND s.title IN ('Sesi 0','Sesi 1','Sesi 2','Sesi 3','Sesi 4','Sesi 5','Sesi 6','Sesi 7','Sesi 8','Sesi 9')
JOIN events e ON e.id = en.event_id AND e.title LIKE 'Bimtek Benchmark %';
COMMIT;
-- What autovacuum would have done by now: statistics, and the visibility map that index-only scans rely on.
VACUUM ANALYZE;
