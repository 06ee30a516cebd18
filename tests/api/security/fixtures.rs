//! Fixtures of the security suite, seeded with direct SQL: one account per role (the callers) and, for every
//! call, a fresh "world" that none of the callers owns: another unit with its officers, another organizer's
//! event, a session led by another facilitator, another officer's enrollment.

use std::sync::atomic::{AtomicU32, Ordering};

use bimtek_api::domain::role::Role;
use chrono::{Duration, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_query;
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};

static COUNTER: AtomicU32 = AtomicU32::new(1);

fn next() -> u32 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A marker that is part of every name and title of a world. It is made of letters that a UUID or a number never
/// contains, so finding it in a body means the body shows the world's data.
fn tag() -> String {
    format!("zq{:06}w", next())
}

/// A structurally valid, process-unique synthetic NIP of a male civil servant.
pub fn fresh_nip() -> String {
    let n = next();
    let birth = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Duration::days(i64::from(n % 7000));
    format!(
        "{}201001{}{:03}",
        birth.format("%Y%m%d"),
        1,
        1 + n / 7000 % 999
    )
}

/// The account of one role, logged in.
pub struct Caller {
    pub role: Role,
    pub username: String,
    pub token: String,
}

/// One caller per role. The unit operator works in a unit of its own; the participant account is an officer of it.
pub struct Callers {
    pub all: Vec<Caller>,
}

impl Callers {
    pub fn get(&self, role: Role) -> &Caller {
        self.all.iter().find(|c| c.role == role).unwrap()
    }
}

pub async fn seed_callers(app: &TestApp) -> Callers {
    let t = tag();
    let unit = Uuid::new_v4();
    let officer = Uuid::new_v4();
    let hash = bimtek_api::auth::password::hash(PASSWORD).unwrap();
    let mut sql = format!(
        "INSERT INTO units (id, code, name, unit_type) VALUES ('{unit}', 'OWN-{code}', 'Own unit {t}', 'lapas');
         INSERT INTO participants (id, nip, full_name, name_search, sex, employee_type, unit_id)
           VALUES ('{officer}', '{nip}', 'Own officer {t}', 'own officer {t}', 'male', 'pns', '{unit}');",
        code = t.to_uppercase(),
        nip = fresh_nip(),
    );
    let mut accounts = Vec::new();
    for role in Role::ALL {
        let id = Uuid::new_v4();
        let username = format!("{}-{t}", role.as_str().replace('_', "-"));
        let unit_id = if role == Role::UnitOperator {
            format!("'{unit}'")
        } else {
            "NULL".to_owned()
        };
        let participant_id = if role == Role::Participant {
            format!("'{officer}'")
        } else {
            "NULL".to_owned()
        };
        sql.push_str(&format!(
            "INSERT INTO users (id, username, password_hash, role, unit_id, participant_id)
               VALUES ('{id}', '{username}', '{hash}', '{}', {unit_id}, {participant_id});",
            role.as_str()
        ));
        accounts.push((role, id, username));
    }
    app.db().batch_execute(&sql).unwrap();
    let mut all = Vec::new();
    for (role, id, username) in accounts {
        let token = app
            .token_for(&crate::helpers::TestUser {
                id,
                username: username.clone(),
            })
            .await;
        all.push(Caller {
            role,
            username,
            token,
        });
    }
    Callers { all }
}

/// The states a world is seeded in.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub event_status: &'static str,
    pub enrollment_status: &'static str,
    pub attendance: bool,
    /// The officer's enrollment has a (valid) certificate.
    pub certificate: bool,
    /// The event ended today (WIB) instead of tomorrow, so that it may be completed.
    pub ended: bool,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            event_status: "published",
            enrollment_status: "approved",
            attendance: false,
            certificate: false,
            ended: false,
        }
    }
}

/// Objects no caller owns. `event` (status from the spec) is organised by `organizer`, hosted by `unit`, in
/// `program`; its session `session` runs now and is led by `facilitator`; `officer` of `unit` is enrolled in it
/// (`enrollment`, status from the spec). The `spare_*` objects are referenced by nothing, so they can be deleted.
pub struct World {
    pub tag: String,
    pub unit: Uuid,
    pub spare_unit: Uuid,
    pub officer: Uuid,
    pub spare_officer: Uuid,
    pub organizer: Uuid,
    pub facilitator: Uuid,
    pub program: Uuid,
    pub spare_program: Uuid,
    pub event: Uuid,
    pub spare_event: Uuid,
    pub session: Uuid,
    pub enrollment: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub officer_nip: String,
    pub officer_email: String,
    pub officer_phone: String,
    pub check_in_code: String,
    pub spare_nip: String,
    /// An open event evaluation of `event` without responses, with one Likert question.
    pub instrument: Uuid,
    /// An open follow-up of `event` (alumnus and supervisor) with one Likert question, `follow_up_question`,
    /// answered by the officer as alumnus (`response`).
    pub follow_up: Uuid,
    pub follow_up_question: Uuid,
    pub response: Uuid,
    /// An event-evaluation template created by `organizer`.
    pub template: Uuid,
    /// Seeded only when the spec asks for it; its holder name carries the tag.
    pub certificate: Uuid,
    pub verification_code: String,
    /// An inactive webhook subscription (nothing is sent) and one failed delivery of it.
    pub webhook: Uuid,
    pub delivery: Uuid,
    /// A service account (with its technical user).
    pub client: Uuid,
    /// A pending training record from elsewhere of the officer, with a PDF scan.
    pub record: Uuid,
}

impl World {
    /// What identifies the officer (or lets someone act as them): never shown to a caller who may not see them.
    pub fn officer_secrets(&self) -> Vec<String> {
        let mut secrets = self.personal_details();
        secrets.push(format!("Officer {}", self.tag));
        secrets
    }

    /// The NIP, the contacts and the check-in code: hidden even from callers who see the officer's name.
    pub fn personal_details(&self) -> Vec<String> {
        vec![
            self.officer_nip.clone(),
            self.officer_email.clone(),
            self.officer_phone.clone(),
            self.check_in_code.clone(),
        ]
    }

    /// Everything a refusal must not contain: the tag is in every name and title of the world.
    pub fn all_secrets(&self) -> Vec<String> {
        let mut secrets = self.officer_secrets();
        secrets.push(self.tag.clone());
        secrets.push(self.spare_nip.clone());
        secrets
    }
}

pub fn seed_world(conn: &mut PgConnection, spec: Spec) -> World {
    let t = tag();
    let id = |_: ()| Uuid::new_v4();
    let today = Utc::now().date_naive();
    let now = Utc::now();
    let w = World {
        unit: id(()),
        spare_unit: id(()),
        officer: id(()),
        spare_officer: id(()),
        organizer: id(()),
        facilitator: id(()),
        program: id(()),
        spare_program: id(()),
        event: id(()),
        spare_event: id(()),
        session: id(()),
        enrollment: id(()),
        starts_on: today - Duration::days(1),
        // Completing waits for the last day in WIB (UTC+7), which is never before the UTC date.
        ends_on: if spec.ended {
            (now + Duration::hours(7)).date_naive()
        } else {
            today + Duration::days(1)
        },
        officer_nip: fresh_nip(),
        officer_email: format!("officer.{t}@example.go.id"),
        officer_phone: format!("+62 811 {:08}", next()),
        check_in_code: format!("code{t}Xy7"),
        spare_nip: fresh_nip(),
        instrument: id(()),
        follow_up: id(()),
        follow_up_question: id(()),
        response: id(()),
        template: id(()),
        certificate: id(()),
        // Base32 has no 0, 1, 8 or 9: the tag's digits become letters, one for one, so the code stays unique.
        verification_code: t
            .chars()
            .map(|c| c.to_digit(10).map_or(c, |d| char::from(b'a' + d as u8)))
            .chain("certificatecode".chars())
            .collect(),
        webhook: id(()),
        delivery: id(()),
        client: id(()),
        record: id(()),
        tag: t,
    };
    let code = w.tag.to_uppercase();
    let waitlisted_at = if spec.enrollment_status == "waitlisted" {
        "now()"
    } else {
        "NULL"
    };
    let mut sql = format!(
        "INSERT INTO units (id, code, name, unit_type) VALUES
           ('{unit}', 'U-{code}', 'Unit {t}', 'lapas'), ('{spare_unit}', 'S-{code}', 'Spare unit {t}', 'rutan');
         INSERT INTO participants (id, nip, full_name, name_search, sex, employee_type, unit_id, email, phone) VALUES
           ('{officer}', '{nip}', 'Officer {t}', 'officer {t}', 'male', 'pns', '{unit}', '{email}', '{phone}'),
           ('{spare_officer}', '{spare_nip}', 'Spare officer {t}', 'spare officer {t}', 'male', 'pns', '{unit}',
            NULL, NULL);
         INSERT INTO users (id, username, password_hash, role) VALUES
           ('{organizer}', 'organizer-{t}', 'x', 'organizer'), ('{facilitator}', 'facilitator-{t}', 'x', 'facilitator');
         INSERT INTO programs (id, name, year) VALUES
           ('{program}', 'Program {t}', 2025), ('{spare_program}', 'Spare program {t}', 2025);
         INSERT INTO events (id, title, kind, program_id, host_unit_id, starts_on, ends_on, capacity, status, created_by)
           VALUES
           ('{event}', 'Event {t}', 'workshop', '{program}', '{unit}', '{starts_on}', '{ends_on}', 10, '{status}',
            '{organizer}'),
           ('{spare_event}', 'Spare event {t}', 'workshop', NULL, '{unit}', '{starts_on}', '{ends_on}', 10, 'draft',
            '{organizer}');
         INSERT INTO event_organizers (event_id, user_id) VALUES ('{event}', '{organizer}'), ('{spare_event}', '{organizer}');
         INSERT INTO sessions (id, event_id, kind, title, starts_at, ends_at, jp) VALUES
           ('{session}', '{event}', 'seminar', 'Session {t}', '{session_start}', '{session_end}', 1);
         INSERT INTO session_facilitators (session_id, user_id) VALUES ('{session}', '{facilitator}');
         INSERT INTO enrollments (id, event_id, participant_id, status, check_in_code, waitlisted_at, note) VALUES
           ('{enrollment}', '{event}', '{officer}', '{enrollment_status}', '{check_in_code}', {waitlisted_at},
            'Note {t}');
         INSERT INTO competency_records (id, participant_id, title, institution, form, starts_on, ends_on, jp,
                                         scan_media_type, scan_bytes, scan_sha256) VALUES
           ('{record}', '{officer}', 'Record {t}', 'Institution {t}', 'seminar', '{record_day}', '{record_day}', 4,
            'application/pdf', 9, 'x');
         INSERT INTO competency_record_scans (record_id, content) VALUES ('{record}', '%PDF-1.4\n');",
        t = w.tag,
        unit = w.unit,
        spare_unit = w.spare_unit,
        officer = w.officer,
        spare_officer = w.spare_officer,
        nip = w.officer_nip,
        spare_nip = w.spare_nip,
        email = w.officer_email,
        phone = w.officer_phone,
        organizer = w.organizer,
        facilitator = w.facilitator,
        program = w.program,
        spare_program = w.spare_program,
        event = w.event,
        spare_event = w.spare_event,
        starts_on = w.starts_on,
        ends_on = w.ends_on,
        status = spec.event_status,
        session = w.session,
        session_start = (now - Duration::minutes(5)).to_rfc3339(),
        session_end = (now + Duration::minutes(60)).to_rfc3339(),
        enrollment = w.enrollment,
        enrollment_status = spec.enrollment_status,
        check_in_code = w.check_in_code,
        record = w.record,
        record_day = today - Duration::days(30),
    );
    let likert = r#"{"scale": 5, "labels": ["1", "2", "3", "4", "5"]}"#;
    sql.push_str(&format!(
        "INSERT INTO instruments (id, event_id, kind, title, status, respondent_kinds, created_by) VALUES
           ('{instrument}', '{event}', 'event_evaluation', 'Evaluation {t}', 'open', '{{participant}}', '{organizer}'),
           ('{follow_up}', '{event}', 'follow_up', 'Follow-up {t}', 'open', '{{alumnus,supervisor}}', '{organizer}');
         INSERT INTO questions (instrument_id, position, question_type, prompt, settings) VALUES
           ('{instrument}', 1, 'likert', 'Question {t}', '{likert}');
         INSERT INTO questions (id, instrument_id, position, question_type, prompt, settings) VALUES
           ('{question}', '{follow_up}', 1, 'likert', 'Question {t}', '{likert}');
         INSERT INTO response_receipts (instrument_id, enrollment_id, respondent_kind) VALUES
           ('{follow_up}', '{enrollment}', 'alumnus');
         INSERT INTO responses (id, instrument_id, enrollment_id, respondent_kind, submitted_at) VALUES
           ('{response}', '{follow_up}', '{enrollment}', 'alumnus', now());
         INSERT INTO answers (response_id, question_id, value_number) VALUES ('{response}', '{question}', 4);
         INSERT INTO instrument_templates (id, name, kind, title, questions, created_by) VALUES
           ('{template}', 'Template {t}', 'event_evaluation', 'Template {t}',
            '[{{\"type\": \"likert\", \"prompt\": \"Question\", \"required\": true, \"settings\": {likert}}}]',
            '{organizer}');",
        t = w.tag,
        instrument = w.instrument,
        follow_up = w.follow_up,
        question = w.follow_up_question,
        response = w.response,
        template = w.template,
        event = w.event,
        enrollment = w.enrollment,
        organizer = w.organizer,
    ));
    if spec.attendance {
        sql.push_str(&format!(
            "INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method, note) VALUES
               ('{}', '{}', '{}', 'present', 'manual', 'Note {}');",
            w.session, w.enrollment, w.officer, w.tag
        ));
    }
    if spec.certificate {
        let seq = next();
        sql.push_str(&format!(
            "INSERT INTO certificates (id, enrollment_id, event_id, participant_id, kind, number, year, seq,
               verification_code, holder_name, jp) VALUES
               ('{}', '{}', '{}', '{}', 'sertifikat', '{seq}/BIMTEK/{}/2025', 2025, {seq}, '{}', 'Officer {}', 1);",
            w.certificate, w.enrollment, w.event, w.officer, code, w.verification_code, w.tag
        ));
    }
    sql.push_str(&format!(
        "INSERT INTO webhook_subscriptions (id, url, event_types, legacy_secret, active) VALUES
           ('{webhook}', 'https://93.184.215.14/hooks/{t}', '{{certificate.revoked}}',
            'whsec_world-secret-0123456789abcdef0123456789', false);
         INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, payload, status, attempts)
           VALUES ('{delivery}', '{webhook}', gen_random_uuid(), 'certificate.revoked', '{{}}', 'failed', 8);",
        webhook = w.webhook,
        delivery = w.delivery,
        t = w.tag,
    ));
    let client_user = Uuid::new_v4();
    sql.push_str(&format!(
        "INSERT INTO users (id, username, password_hash, role, service_account)
           VALUES ('{client_user}', 'svc-{t}', '!service-account', 'admin', TRUE);
         INSERT INTO clients (id, user_id, name, scopes, secret_hash)
           VALUES ('{}', '{client_user}', 'Client {t}', ARRAY['units:read'], decode(repeat('00', 32), 'hex'));",
        w.client,
        t = w.tag,
    ));
    conn.batch_execute(&sql).unwrap();
    w
}

/// A digest of every row of every table: equal digests mean the request changed nothing in the database.
pub fn fingerprint(conn: &mut PgConnection) -> Vec<(String, String)> {
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    #[derive(QueryableByName)]
    struct Digest {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        digest: String,
    }
    let tables: Vec<Table> = sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_\\_%'
         ORDER BY 1",
    )
    .load(conn)
    .unwrap();
    let query = tables
        .iter()
        .map(|t| {
            // Access events are buffered and written up to a second after the request that made them (an earlier
            // request's may land at any time): they are no change made by the request under test.
            let except = if t.name == "audit_log" {
                " WHERE x.action <> 'participant.nip_read'"
            } else {
                ""
            };
            format!(
                "SELECT '{0}'::text AS name, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS digest \
                 FROM {0} x{except}",
                t.name
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    sql_query(query)
        .load::<Digest>(conn)
        .unwrap()
        .into_iter()
        .map(|d| (d.name, d.digest))
        .collect()
}
