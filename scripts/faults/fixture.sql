-- The fixture of the fault scripts: one ongoing event with :participants approved officers and :sessions
-- sessions (each bulk write of the drivers goes to a session of its own). Run on an empty, migrated database.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO units (code, name, unit_type) VALUES ('FAULT-1', 'Lapas Uji Gangguan', 'lapas');
INSERT INTO events (title, kind, host_unit_id, starts_on, ends_on, capacity, status)
SELECT 'Bimtek Uji Gangguan', 'orientation', id, current_date - 1, current_date + 30, 1000, 'ongoing'
FROM units WHERE code = 'FAULT-1';
INSERT INTO participants (nip, full_name, name_search, sex, employee_type, unit_id)
SELECT '198001' || lpad((1 + (n - 1) / 999)::text, 2, '0') || '2005011' || lpad((1 + (n - 1) % 999)::text, 3, '0'),
       'Peserta Uji ' || n, 'peserta uji ' || n, 'male', 'pns', u.id
FROM generate_series(1, :participants) AS n, units u WHERE u.code = 'FAULT-1';
INSERT INTO enrollments (event_id, participant_id, status, check_in_code, decided_at)
SELECT e.id, p.id, 'approved', md5(p.id::text), now()
FROM events e, participants p;
INSERT INTO sessions (event_id, kind, title, starts_at, ends_at, jp)
SELECT e.id, 'seminar', 'Sesi ' || n, now() + make_interval(mins => n), now() + make_interval(mins => n + 45), 1
FROM events e, generate_series(1, :sessions) AS n;
COMMIT;
