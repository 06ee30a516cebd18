-- A completed event for the report and results cases of the benchmark: :officers approved officers (taken from
-- the synthetic "Peserta <n>" officers starting at number :first), 20 sessions with an attendance record for every
-- officer and session, a pre-test and a post-test of 10 questions each, and an anonymous event evaluation of 20
-- Likert questions answered by everyone. With 500 officers: 10,000 attendance records and 20,000 answers.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO events (title, kind, host_unit_id, starts_on, ends_on, capacity, status, attendance_threshold, pass_score)
SELECT :'title', 'workshop', (SELECT id FROM units WHERE code = 'BENCH-1'), date '2025-03-03', date '2025-03-05',
       10000, 'completed', 80, 70;
CREATE TEMP TABLE ev ON COMMIT DROP AS SELECT id FROM events WHERE title = :'title';

INSERT INTO sessions (event_id, kind, title, starts_at, ends_at, jp)
SELECT ev.id, 'seminar', 'Sesi ' || s,
       timestamptz '2025-03-03 01:00Z' + (s % 8) * interval '45 minutes' + (s / 8) * interval '1 day',
       timestamptz '2025-03-03 01:45Z' + (s % 8) * interval '45 minutes' + (s / 8) * interval '1 day', 1
FROM ev, generate_series(0, 19) AS s;

INSERT INTO enrollments (event_id, participant_id, status, check_in_code)
SELECT ev.id, p.id, 'approved', md5(ev.id::text || p.id::text)
FROM ev JOIN participants p ON p.full_name IN (
    SELECT 'Peserta ' || g FROM generate_series(:first, :first + :officers - 1) AS g);

INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method, checked_in_at)
SELECT s.id, en.id, en.participant_id,
       CASE WHEN (hashtext(en.id::text || s.id::text) & 15) = 0 THEN 'absent' ELSE 'present' END,
       'manual', s.starts_at
FROM ev JOIN enrollments en ON en.event_id = ev.id JOIN sessions s ON s.event_id = ev.id;

INSERT INTO instruments (event_id, kind, title, status, anonymous)
SELECT ev.id, k, initcap(replace(k, '_', ' ')), 'closed', k = 'event_evaluation'
FROM ev, unnest(ARRAY['pre_test', 'post_test', 'event_evaluation']) AS k;

INSERT INTO questions (instrument_id, position, question_type, prompt, required, settings, points)
SELECT i.id, q, 'single_choice', 'Soal ' || q, true,
       '{"options": [{"key": "a", "label": "A", "correct": true, "points": 10},
                     {"key": "b", "label": "B", "correct": false, "points": 0}]}'::jsonb, 10
FROM instruments i JOIN ev ON ev.id = i.event_id, generate_series(1, 10) AS q
WHERE i.kind IN ('pre_test', 'post_test');
INSERT INTO questions (instrument_id, position, question_type, prompt, required, settings)
SELECT i.id, q, 'likert', 'Pernyataan ' || q, true,
       '{"scale": 5, "labels": ["Sangat kurang", "Kurang", "Cukup", "Baik", "Sangat baik"]}'::jsonb
FROM instruments i JOIN ev ON ev.id = i.event_id, generate_series(1, 20) AS q
WHERE i.kind = 'event_evaluation';

-- tests: one response per officer, answers right with a probability that grows from pre to post
INSERT INTO responses (instrument_id, enrollment_id, respondent_kind, submitted_at)
SELECT i.id, en.id, 'participant', timestamptz '2025-03-03 01:00Z'
FROM ev JOIN instruments i ON i.event_id = ev.id AND i.kind IN ('pre_test', 'post_test')
JOIN enrollments en ON en.event_id = ev.id;
INSERT INTO answers (response_id, question_id, value_options, points)
SELECT r.id, q.id, ARRAY[x.k], CASE WHEN x.k = 'a' THEN 10 ELSE 0 END
FROM ev JOIN instruments i ON i.event_id = ev.id AND i.kind IN ('pre_test', 'post_test')
JOIN responses r ON r.instrument_id = i.id
JOIN questions q ON q.instrument_id = i.id
CROSS JOIN LATERAL (SELECT CASE WHEN (hashtext(r.id::text || q.id::text) & 15)
                                     < CASE WHEN i.kind = 'pre_test' THEN 8 ELSE 13 END
                                THEN 'a' ELSE 'b' END AS k) AS x;
UPDATE responses r SET score = s.total
FROM (SELECT response_id, sum(points) AS total FROM answers GROUP BY response_id) AS s, instruments i, ev
WHERE s.response_id = r.id AND i.id = r.instrument_id AND i.event_id = ev.id;
INSERT INTO scores (enrollment_id, kind, score, source)
SELECT r.enrollment_id, i.kind, r.score, 'instrument'
FROM ev JOIN instruments i ON i.event_id = ev.id AND i.kind IN ('pre_test', 'post_test')
JOIN responses r ON r.instrument_id = i.id;
INSERT INTO scores (enrollment_id, kind, score, source)
SELECT en.id, 'practical', 60 + (hashtext(en.id::text) & 31), 'manual'
FROM ev JOIN enrollments en ON en.event_id = ev.id;

-- the anonymous evaluation: receipts name the officers, responses do not
INSERT INTO response_receipts (instrument_id, enrollment_id, respondent_kind)
SELECT i.id, en.id, 'participant'
FROM ev JOIN instruments i ON i.event_id = ev.id AND i.kind = 'event_evaluation'
JOIN enrollments en ON en.event_id = ev.id;
INSERT INTO responses (instrument_id, respondent_kind)
SELECT i.id, 'participant'
FROM ev JOIN instruments i ON i.event_id = ev.id AND i.kind = 'event_evaluation'
JOIN enrollments en ON en.event_id = ev.id;
INSERT INTO answers (response_id, question_id, value_number)
SELECT r.id, q.id, 1 + (hashtext(r.id::text || q.id::text) & 1023) % 5
FROM ev JOIN instruments i ON i.event_id = ev.id AND i.kind = 'event_evaluation'
JOIN responses r ON r.instrument_id = i.id
JOIN questions q ON q.instrument_id = i.id;
COMMIT;
ANALYZE;
