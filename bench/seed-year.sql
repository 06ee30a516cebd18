-- The officer's-year cases of the benchmark (issue 17), idempotent. The benchmark's events of 2024 are completed
-- (the JP ledger and the compliance lists count completed trainings), and an officer of BENCH-1 gets a calendar
-- feed of 50 sessions: a published event 'Bench Kalender' of ten days with five sessions a day, the officer
-- ('Peserta Kalender', a NIP outside the generated range) approved in it, an account linked to them (the password
-- of bench.admin, which must exist) and the feed token 'bench-calendar-token' (stored as its SHA-256, as
-- `service::calendar` stores tokens).
\set ON_ERROR_STOP on
BEGIN;
UPDATE events SET status = 'completed'
WHERE title LIKE 'Bimtek Benchmark %' AND ends_on < date '2025-01-01' AND status <> 'completed';

INSERT INTO participants (nip, full_name, name_search, sex, employee_type, grade, position, unit_id, email)
SELECT '199001012020121999', 'Peserta Kalender', 'peserta kalender', 'male', 'pns', 'III/a', 'Petugas Rehabilitasi',
       (SELECT id FROM units WHERE code = 'BENCH-1'), 'kalender@example.invalid'
ON CONFLICT (nip) DO NOTHING;
INSERT INTO events (title, kind, host_unit_id, starts_on, ends_on, capacity, status)
SELECT 'Bench Kalender', 'workshop', (SELECT id FROM units WHERE code = 'BENCH-1'), date '2027-03-01',
       date '2027-03-10', 100, 'published'
WHERE NOT EXISTS (SELECT 1 FROM events WHERE title = 'Bench Kalender');
CREATE TEMP TABLE ev ON COMMIT DROP AS SELECT id, starts_on FROM events WHERE title = 'Bench Kalender';
INSERT INTO sessions (event_id, kind, title, starts_at, ends_at, jp, location)
SELECT ev.id, 'seminar', 'Sesi Kalender ' || s,
       ev.starts_on + (s / 5) * interval '1 day' + time '01:00' + (s % 5) * interval '90 minutes',
       ev.starts_on + (s / 5) * interval '1 day' + time '02:30' + (s % 5) * interval '90 minutes', 2,
       'Aula Lapas'
FROM ev CROSS JOIN generate_series(0, 49) AS s
WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE event_id = ev.id);
INSERT INTO enrollments (event_id, participant_id, status, check_in_code)
SELECT ev.id, p.id, 'approved', 'kalender-' || md5(ev.id::text)
FROM ev JOIN participants p ON p.nip = '199001012020121999'
ON CONFLICT DO NOTHING;
INSERT INTO users (username, password_hash, role, participant_id)
SELECT 'bench.kalender', (SELECT password_hash FROM users WHERE username = 'bench.admin'), 'participant', p.id
FROM participants p WHERE p.nip = '199001012020121999'
ON CONFLICT (username) DO NOTHING;
INSERT INTO calendar_tokens (user_id, token_hash)
SELECT id, encode(sha256(convert_to('bench-calendar-token', 'UTF8')), 'hex') FROM users WHERE username = 'bench.kalender'
ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash;
COMMIT;
