//! The demo data of `seed-demo`: the Bimtek of the source text (2 August 2025 at Lapas Narkotika Kelas IIA
//! Kasongan), the units of Central Kalimantan, 20 synthetic officers with valid synthetic NIPs, and one login per
//! role. Running it again changes nothing. Names and NIPs are invented: they belong to no one.
//!
//! The seed writes `units`, `participants`, `programs`, `events`, `sessions`, `event_organizers`,
//! `session_facilitators`, `enrollments`, `attendance`, `competency_records` and `users`, so their triggers fire as for any write (audit
//! log, change feed, webhook outbox, stale snapshots: see ARCHITECTURE.md), without an actor, since it runs outside
//! a request.

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::password;
use crate::auth::tokens;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::demo::{
    self, DemoAttendance, DemoEnrollment, DemoEvent, DemoParticipant, DemoRecord, DemoSession,
    DemoUnit,
};
use crate::repo::users::{self, NewUserRow, UserChanges};

/// The id of the demo event, fixed so that the README can name it.
pub const DEMO_EVENT_ID: Uuid = Uuid::from_u128(0x5eed0000_0000_4000_8000_000000000001);

/// One demo login as printed for the user.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: Role,
    pub username: &'static str,
    pub password: &'static str,
}

/// The demo logins: only a database that `seed-demo` ran on has them.
pub const DEMO_LOGINS: [DemoLogin; 5] = [
    DemoLogin {
        role: Role::Admin,
        username: "admin",
        password: "admin-demo-2025",
    },
    DemoLogin {
        role: Role::Organizer,
        username: "organizer",
        password: "organizer-demo-2025",
    },
    DemoLogin {
        role: Role::UnitOperator,
        username: "operator",
        password: "operator-demo-2025",
    },
    DemoLogin {
        role: Role::Facilitator,
        username: "facilitator",
        password: "facilitator-demo-2025",
    },
    DemoLogin {
        role: Role::Participant,
        username: "participant",
        password: "participant-demo-2025",
    },
];

const KANWIL: &str = "KANWIL-KALTENG";
const HOST: &str = "LPN-KASONGAN";
const OPERATOR_UNIT: &str = "LAPAS-PALANGKARAYA";

/// (code, name, type, class)
const UNITS: [(&str, &str, &str, Option<&str>); 11] = [
    (
        HOST,
        "Lapas Narkotika Kelas IIA Kasongan",
        "lapas",
        Some("IIA"),
    ),
    (
        OPERATOR_UNIT,
        "Lapas Kelas IIA Palangka Raya",
        "lapas",
        Some("IIA"),
    ),
    (
        "RUTAN-PALANGKARAYA",
        "Rutan Kelas IIA Palangka Raya",
        "rutan",
        Some("IIA"),
    ),
    (
        "LAPAS-SAMPIT",
        "Lapas Kelas IIB Sampit",
        "lapas",
        Some("IIB"),
    ),
    (
        "LAPAS-PANGKALANBUN",
        "Lapas Kelas IIB Pangkalan Bun",
        "lapas",
        Some("IIB"),
    ),
    (
        "LAPAS-MUARATEWEH",
        "Lapas Kelas IIB Muara Teweh",
        "lapas",
        Some("IIB"),
    ),
    (
        "RUTAN-KUALAKAPUAS",
        "Rutan Kelas IIB Kuala Kapuas",
        "rutan",
        Some("IIB"),
    ),
    (
        "RUTAN-BUNTOK",
        "Rutan Kelas IIB Buntok",
        "rutan",
        Some("IIB"),
    ),
    (
        "BAPAS-PALANGKARAYA",
        "Bapas Kelas II Palangka Raya",
        "bapas",
        Some("II"),
    ),
    ("BAPAS-SAMPIT", "Bapas Kelas II Sampit", "bapas", Some("II")),
    (
        "LPKA-PALANGKARAYA",
        "LPKA Kelas II Palangka Raya",
        "lpka",
        Some("II"),
    ),
];

/// (NIP, name, sex, employee type, grade, position, unit code). The NIPs follow the real structure (birth date,
/// appointment month, sex digit, sequence) but are invented.
type Officer = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);
const OFFICERS: [Officer; 20] = [
    (
        "198703142010121001",
        "Agus Setiawan",
        "male",
        "pns",
        Some("III/b"),
        "Pengelola Rehabilitasi",
        OPERATOR_UNIT,
    ),
    (
        "199001222014022002",
        "Dewi Lestari",
        "female",
        "pns",
        Some("III/a"),
        "Pembimbing Kemasyarakatan",
        "BAPAS-PALANGKARAYA",
    ),
    (
        "198511052009011003",
        "Budi Santoso",
        "male",
        "pns",
        Some("III/c"),
        "Kepala Subseksi Bimkemaswat",
        HOST,
    ),
    (
        "199208172015031004",
        "Rizky Pratama",
        "male",
        "pns",
        Some("II/c"),
        "Petugas Rehabilitasi",
        HOST,
    ),
    (
        "198912302012122005",
        "Siti Rahmawati",
        "female",
        "pns",
        Some("III/b"),
        "Psikolog Klinis Ahli Pertama",
        "LAPAS-SAMPIT",
    ),
    (
        "199304112017031006",
        "Hendra Gunawan",
        "male",
        "pns",
        Some("II/b"),
        "Penjaga Tahanan",
        "RUTAN-PALANGKARAYA",
    ),
    (
        "199106252016022007",
        "Nur Aisyah",
        "female",
        "pns",
        Some("III/a"),
        "Konselor Adiksi",
        "LAPAS-PANGKALANBUN",
    ),
    (
        "198802082011011008",
        "Yohanes Dimas",
        "male",
        "pns",
        Some("III/b"),
        "Pengelola Rehabilitasi",
        "LAPAS-MUARATEWEH",
    ),
    (
        "199410032019032009",
        "Maria Magdalena",
        "female",
        "pns",
        Some("II/c"),
        "Perawat Terampil",
        "RUTAN-KUALAKAPUAS",
    ),
    (
        "198607192008121010",
        "Fajar Nugroho",
        "male",
        "pns",
        Some("III/d"),
        "Kepala Seksi Pembinaan",
        "RUTAN-BUNTOK",
    ),
    (
        "199512122020122011",
        "Indah Permatasari",
        "female",
        "pns",
        Some("II/b"),
        "Pembimbing Kemasyarakatan Pertama",
        "BAPAS-SAMPIT",
    ),
    (
        "199007072013031012",
        "Rudi Hartono",
        "male",
        "pns",
        Some("III/a"),
        "Pengasuh Anak",
        "LPKA-PALANGKARAYA",
    ),
    (
        "199609202021212013",
        "Ayu Wulandari",
        "female",
        "pppk",
        None,
        "Konselor Adiksi",
        OPERATOR_UNIT,
    ),
    (
        "198404282007011014",
        "Slamet Riyadi",
        "male",
        "pns",
        Some("III/c"),
        "Kepala Subseksi Perawatan",
        "LAPAS-SAMPIT",
    ),
    (
        "199211152016031015",
        "Eko Prasetyo",
        "male",
        "pns",
        Some("II/d"),
        "Petugas Pengamanan",
        "LAPAS-PANGKALANBUN",
    ),
    (
        "199303032018022016",
        "Ratna Sari",
        "female",
        "pns",
        Some("III/a"),
        "Analis Rehabilitasi",
        "RUTAN-PALANGKARAYA",
    ),
    (
        "198908242014121017",
        "Teguh Wibowo",
        "male",
        "pns",
        Some("III/b"),
        "Pengelola Rehabilitasi",
        "LAPAS-MUARATEWEH",
    ),
    (
        "199702142022211018",
        "Dian Kurniawan",
        "male",
        "pppk",
        None,
        "Perawat Terampil",
        HOST,
    ),
    (
        "198812012012122019",
        "Wahyuni Puspita",
        "female",
        "pns",
        Some("III/b"),
        "Psikolog Klinis Ahli Pertama",
        "BAPAS-PALANGKARAYA",
    ),
    (
        "199105092015031020",
        "Andi Saputra",
        "male",
        "pns",
        Some("II/d"),
        "Petugas Rehabilitasi",
        "RUTAN-KUALAKAPUAS",
    ),
];

/// (id suffix, kind, title, start hour:minute WIB, end hour:minute WIB, JP)
type SessionSpec = (
    u128,
    &'static str,
    &'static str,
    (u32, u32),
    (u32, u32),
    i16,
);
const SESSIONS: [SessionSpec; 6] = [
    (
        0x11,
        "morning_meeting",
        "Morning meeting: good morning family, pledge, share feeling",
        (8, 0),
        (8, 45),
        1,
    ),
    (
        0x12,
        "seminar",
        "Seminar: tahapan rehabilitasi sosial sehari-hari",
        (8, 45),
        (10, 15),
        2,
    ),
    (
        0x13,
        "group_therapy",
        "Terapi kelompok (static and encounter group)",
        (10, 30),
        (12, 0),
        2,
    ),
    (
        0x14,
        "simulation",
        "Simulasi langsung proses rehabilitasi",
        (13, 0),
        (14, 30),
        2,
    ),
    (
        0x15,
        "discussion",
        "Diskusi interaktif",
        (14, 30),
        (15, 15),
        1,
    ),
    (
        0x16,
        "closing",
        "Penutupan oleh Kepala Kanwil Ditjenpas Kalimantan Tengah",
        (15, 15),
        (16, 0),
        1,
    ),
];

/// Counts of what the seed holds, for the printed summary.
#[derive(Debug)]
pub struct SeedSummary {
    pub units: usize,
    pub participants: usize,
    pub sessions: usize,
}

/// Seeds everything in one transaction. Password hashes are computed by the caller's thread (a CLI command).
pub fn seed(conn: &mut PgConnection) -> Result<SeedSummary, ApiError> {
    conn.transaction(|conn| {
        let kanwil = demo::unit(
            conn,
            &DemoUnit {
                code: KANWIL,
                name: "Kantor Wilayah Direktorat Jenderal Pemasyarakatan Kalimantan Tengah",
                unit_type: "kanwil",
                class: None,
                parent_id: None,
            },
        )?;
        seed_letterhead(conn)?;
        let mut unit_ids = std::collections::HashMap::new();
        unit_ids.insert(KANWIL, kanwil);
        for (code, name, unit_type, class) in UNITS {
            let id = demo::unit(
                conn,
                &DemoUnit {
                    code,
                    name,
                    unit_type,
                    class,
                    parent_id: Some(kanwil),
                },
            )?;
            unit_ids.insert(code, id);
        }
        let unit_of = |code: &str| {
            unit_ids
                .get(code)
                .copied()
                .ok_or_else(|| ApiError::internal_msg("demo unit missing"))
        };
        let mut officer_ids = Vec::with_capacity(OFFICERS.len());
        for (nip, full_name, sex, employee_type, grade, position, unit) in OFFICERS {
            let id = demo::participant(
                conn,
                &DemoParticipant {
                    nip,
                    full_name,
                    name_search: crate::domain::text::search_form(full_name),
                    sex,
                    employee_type,
                    grade,
                    position: Some(position),
                    unit_id: unit_of(unit)?,
                },
            )?;
            officer_ids.push(id);
        }
        let program = demo::program(
            conn,
            "PM Rehabilitasi Sosial",
            2025,
            "Program Manager Rehabilitasi Sosial: petugas UPT se-Kalimantan Tengah yang menjalankan rehabilitasi sosial bagi WBP kasus narkotika (metode Therapeutic Community).",
        )?;
        // The program's signatory signs the demo's certificates (a made-up official: demo data).
        crate::repo::signatories::set_program(
            conn,
            program,
            &crate::repo::signatories::SignatoryValues {
                title: Some(
                    "Kepala Kantor Wilayah Direktorat Jenderal Pemasyarakatan Kalimantan Tengah".into(),
                ),
                name: Some("Contoh Pejabat, S.H., M.H.".into()),
                nip: Some("197205151998031002".into()),
                place: Some("Palangka Raya".into()),
                signed_electronically: Some(false),
            },
        )?;
        let host = unit_of(HOST)?;
        let date = NaiveDate::from_ymd_opt(2025, 8, 2)
            .ok_or_else(|| ApiError::internal_msg("demo date"))?;
        demo::event(
            conn,
            &DemoEvent {
                id: DEMO_EVENT_ID,
                title: "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
                kind: "orientation",
                program_id: Some(program),
                host_unit_id: host,
                starts_on: date,
                ends_on: date,
                capacity: 30,
                legal_basis: Some("Surat Tugas Kakanwil Ditjenpas Kalteng (nomor contoh, data demo)"),
                description: Some(
                    "Orientasi lapangan dan penutupan Program Manager Rehabilitasi Sosial bagi petugas UPT se-Kalimantan Tengah, di Lapas Narkotika Kelas IIA Kasongan.",
                ),
                status: "completed",
            },
        )?;

        let users = seed_users(conn, &unit_ids, officer_ids.first().copied())?;
        demo::organizer(conn, DEMO_EVENT_ID, users.organizer)?;
        // Central Kalimantan keeps Western Indonesian Time (WIB, UTC+7).
        let wib = chrono::FixedOffset::east_opt(7 * 3600)
            .ok_or_else(|| ApiError::internal_msg("demo offset"))?;
        let at = |(h, m): (u32, u32)| {
            wib.with_ymd_and_hms(2025, 8, 2, h, m, 0)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| ApiError::internal_msg("demo time"))
        };
        let mut session_ids = Vec::with_capacity(SESSIONS.len());
        for (suffix, kind, title, start, end, jp) in SESSIONS {
            let id = Uuid::from_u128(0x5eed0000_0000_4000_8000_000000000000 | suffix);
            session_ids.push((id, at(start)?));
            demo::session(
                conn,
                &DemoSession {
                    id,
                    event_id: DEMO_EVENT_ID,
                    kind,
                    title,
                    starts_at: at(start)?,
                    ends_at: at(end)?,
                    location: Some("Aula Lapas Narkotika Kelas IIA Kasongan"),
                    jp,
                },
            )?;
            if kind != "closing" {
                demo::facilitator(conn, id, users.facilitator)?;
            }
        }
        seed_attendance(conn, &officer_ids, &session_ids, &users)?;
        seed_upcoming_event(conn, program, unit_of(OPERATOR_UNIT)?, &officer_ids, &users)?;
        seed_records(conn, &officer_ids, users.operator)?;
        Ok(SeedSummary {
            units: UNITS.len() + 1,
            participants: OFFICERS.len(),
            sessions: SESSIONS.len() + UPCOMING_SESSIONS.len(),
        })
    })
}

/// Training records from elsewhere of three officers: one verified (Agus Setiawan: 12 JP of e-learning, so his
/// 2025 meets the 20 JP), one pending (Siti Rahmawati) and one rejected (Hendra Gunawan), all of 2025.
fn seed_records(
    conn: &mut PgConnection,
    officer_ids: &[Uuid],
    operator: Uuid,
) -> Result<(), ApiError> {
    let day = |m, d| {
        NaiveDate::from_ymd_opt(2025, m, d).ok_or_else(|| ApiError::internal_msg("demo date"))
    };
    let officer = |i: usize| {
        officer_ids
            .get(i)
            .copied()
            .ok_or_else(|| ApiError::internal_msg("demo officer missing"))
    };
    let records = [
        DemoRecord {
            id: Uuid::from_u128(0x5eed0000_0000_4000_8000_0000000000c1),
            participant_id: officer(0)?,
            title: "Pelatihan Daring Konseling Adiksi",
            institution: "Badan Narkotika Nasional Provinsi Kalimantan Tengah",
            form: "e_learning",
            starts_on: day(5, 12)?,
            ends_on: day(5, 16)?,
            jp: 12,
            certificate_number: Some("B/123/V/2025/BNNP-KT (contoh)"),
            status: "verified",
            rejection_reason: None,
            decided_by: Some(operator),
        },
        DemoRecord {
            id: Uuid::from_u128(0x5eed0000_0000_4000_8000_0000000000c2),
            participant_id: officer(4)?,
            title: "Seminar Nasional Pemasyarakatan",
            institution: "Politeknik Ilmu Pemasyarakatan",
            form: "seminar",
            starts_on: day(10, 21)?,
            ends_on: day(10, 21)?,
            jp: 8,
            certificate_number: None,
            status: "pending",
            rejection_reason: None,
            decided_by: None,
        },
        DemoRecord {
            id: Uuid::from_u128(0x5eed0000_0000_4000_8000_0000000000c3),
            participant_id: officer(5)?,
            title: "Kursus Dasar Konseling",
            institution: "Lembaga Kursus Konseling (contoh)",
            form: "kursus",
            starts_on: day(3, 3)?,
            ends_on: day(3, 7)?,
            jp: 6,
            certificate_number: None,
            status: "rejected",
            rejection_reason: Some("Sertifikat belum dilampirkan; unggah pindaian sertifikatnya."),
            decided_by: Some(operator),
        },
    ];
    for record in &records {
        demo::competency_record(conn, record)?;
    }
    Ok(())
}

struct DemoUserIds {
    organizer: Uuid,
    facilitator: Uuid,
    operator: Uuid,
}

/// The id of the second demo event: upcoming and published, so nominations and approvals can be tried.
pub const UPCOMING_EVENT_ID: Uuid = Uuid::from_u128(0x5eed0000_0000_4000_8000_000000000002);

/// (id suffix, kind, title, day of December 2026, start, end, JP)
type UpcomingSession = (
    u128,
    &'static str,
    &'static str,
    u32,
    (u32, u32),
    (u32, u32),
    i16,
);
const UPCOMING_SESSIONS: [UpcomingSession; 2] = [
    (0x21, "opening", "Pembukaan", 8, (8, 0), (8, 45), 1),
    (
        0x22,
        "encounter_group",
        "Praktik encounter group",
        8,
        (9, 0),
        (12, 0),
        4,
    ),
];

/// Every officer of the demo attended the training of 2 August 2025, with a few realistic exceptions: one came
/// late to the morning meeting, one fell sick after lunch, one was excused from group therapy, one missed the
/// closing.
fn seed_attendance(
    conn: &mut PgConnection,
    officers: &[Uuid],
    sessions: &[(Uuid, chrono::DateTime<Utc>)],
    users: &DemoUserIds,
) -> Result<(), ApiError> {
    for (i, participant_id) in officers.iter().enumerate() {
        let enrollment_id = demo::enrollment(
            conn,
            &DemoEnrollment {
                event_id: DEMO_EVENT_ID,
                participant_id: *participant_id,
                status: "approved",
                check_in_code: tokens::random_token(12),
                nominated_by: Some(users.operator),
                decided_by: Some(users.organizer),
                decided_at: sessions
                    .first()
                    .map(|(_, t)| *t - chrono::Duration::days(7)),
            },
        )?;
        for (j, (session_id, starts_at)) in sessions.iter().enumerate() {
            let (status, note) = match (i, j) {
                (3, 0) => ("late", Some("Datang terlambat 20 menit")),
                (7, 3..) => ("sick", Some("Sakit, surat keterangan menyusul")),
                (12, 2) => ("excused", Some("Izin tugas dinas")),
                (15, 5) => ("absent", None),
                _ => ("present", None),
            };
            let minutes = if status == "late" {
                20
            } else {
                (i % 10) as i64
            };
            demo::attendance(
                conn,
                &DemoAttendance {
                    session_id: *session_id,
                    enrollment_id,
                    participant_id: *participant_id,
                    status,
                    method: "manual",
                    checked_in_at: matches!(status, "present" | "late")
                        .then(|| *starts_at + chrono::Duration::minutes(minutes)),
                    note,
                    recorded_by: Some(users.facilitator),
                },
            )?;
        }
    }
    Ok(())
}

/// A published follow-up training in December 2026 with three nominations waiting for approval.
/// The Kanwil's default letterhead (the built-in lines), unless an administrator has set one.
fn seed_letterhead(conn: &mut PgConnection) -> Result<(), ApiError> {
    use crate::repo::letterheads::{self, LetterheadValues};
    if letterheads::find(conn, None, false)?.is_none() {
        let builtin = crate::documents::letterhead::builtin();
        letterheads::insert(
            conn,
            None,
            &LetterheadValues {
                heading: builtin.heading,
                contact: builtin.contact,
                logo: None,
                logo_type: None,
            },
        )?;
    }
    Ok(())
}

fn seed_upcoming_event(
    conn: &mut PgConnection,
    program: Uuid,
    host: Uuid,
    officers: &[Uuid],
    users: &DemoUserIds,
) -> Result<(), ApiError> {
    let starts =
        NaiveDate::from_ymd_opt(2026, 12, 8).ok_or_else(|| ApiError::internal_msg("demo date"))?;
    let ends =
        NaiveDate::from_ymd_opt(2026, 12, 9).ok_or_else(|| ApiError::internal_msg("demo date"))?;
    demo::event(
        conn,
        &DemoEvent {
            id: UPCOMING_EVENT_ID,
            title: "Bimtek Penguatan Therapeutic Community bagi Petugas Rehabilitasi Angkatan II",
            kind: "workshop",
            program_id: Some(program),
            host_unit_id: host,
            starts_on: starts,
            ends_on: ends,
            capacity: 10,
            legal_basis: Some("Nomor contoh (data demo)"),
            description: Some(
                "Lanjutan program PM Rehabilitasi Sosial: praktik static dan encounter group.",
            ),
            status: "published",
        },
    )?;
    demo::organizer(conn, UPCOMING_EVENT_ID, users.organizer)?;
    let wib = chrono::FixedOffset::east_opt(7 * 3600)
        .ok_or_else(|| ApiError::internal_msg("demo offset"))?;
    for (suffix, kind, title, day, (h1, m1), (h2, m2), jp) in UPCOMING_SESSIONS {
        let at = |h, m| {
            wib.with_ymd_and_hms(2026, 12, day, h, m, 0)
                .single()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| ApiError::internal_msg("demo time"))
        };
        let id = Uuid::from_u128(0x5eed0000_0000_4000_8000_000000000000 | suffix);
        demo::session(
            conn,
            &DemoSession {
                id,
                event_id: UPCOMING_EVENT_ID,
                kind,
                title,
                starts_at: at(h1, m1)?,
                ends_at: at(h2, m2)?,
                location: Some("Aula Lapas Kelas IIA Palangka Raya"),
                jp,
            },
        )?;
        if kind != "opening" {
            demo::facilitator(conn, id, users.facilitator)?;
        }
    }
    for participant_id in officers.iter().take(3) {
        demo::enrollment(
            conn,
            &DemoEnrollment {
                event_id: UPCOMING_EVENT_ID,
                participant_id: *participant_id,
                status: "nominated",
                check_in_code: tokens::random_token(12),
                nominated_by: Some(users.operator),
                decided_by: None,
                decided_at: None,
            },
        )?;
    }
    Ok(())
}

/// Creates the demo logins; an existing demo login whose password was changed gets the demo password back and is
/// reactivated, so the printed logins always work.
fn seed_users(
    conn: &mut PgConnection,
    unit_ids: &std::collections::HashMap<&str, Uuid>,
    participant: Option<Uuid>,
) -> Result<DemoUserIds, ApiError> {
    let mut organizer = None;
    let mut facilitator = None;
    let mut operator = None;
    for login in DEMO_LOGINS {
        let (unit, participant_id, display) = match login.role {
            Role::Admin => (unit_ids.get(KANWIL), None, "Admin Kanwil (demo)"),
            Role::Organizer => (unit_ids.get(KANWIL), None, "Penyelenggara Bimtek (demo)"),
            Role::UnitOperator => (
                unit_ids.get(OPERATOR_UNIT),
                None,
                "Operator Lapas Palangka Raya (demo)",
            ),
            Role::Facilitator => (
                unit_ids.get(HOST),
                None,
                "Tim Rehabilitasi Lapas Narkotika Kasongan (demo)",
            ),
            Role::Participant => (None, participant, "Peserta (demo)"),
        };
        let id = match users::find_by_username(conn, login.username)? {
            Some(existing) => {
                let works = password::verify(&existing.password_hash, login.password);
                if !works || !existing.is_active {
                    let changes = UserChanges {
                        is_active: Some(true),
                        password_hash: (!works)
                            .then(|| password::hash(login.password))
                            .transpose()?,
                        ..UserChanges::default()
                    };
                    users::update(conn, existing.id, None, &changes, true)?;
                }
                existing.id
            }
            None => {
                users::insert(
                    conn,
                    &NewUserRow {
                        id: Uuid::new_v4(),
                        username: login.username.to_owned(),
                        password_hash: password::hash(login.password)?,
                        role: login.role,
                        display_name: Some(display.to_owned()),
                        unit_id: unit.copied(),
                        participant_id,
                    },
                )?
                .id
            }
        };
        match login.role {
            Role::Organizer => organizer = Some(id),
            Role::Facilitator => facilitator = Some(id),
            Role::UnitOperator => operator = Some(id),
            _ => {}
        }
    }
    match (organizer, facilitator, operator) {
        (Some(organizer), Some(facilitator), Some(operator)) => Ok(DemoUserIds {
            organizer,
            facilitator,
            operator,
        }),
        _ => Err(ApiError::internal_msg("demo users missing")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_nips_have_the_structure_of_real_ones() {
        for (nip, _, sex, employee_type, ..) in OFFICERS {
            assert_eq!(nip.len(), 18);
            assert!(nip.bytes().all(|b| b.is_ascii_digit()));
            let birth = NaiveDate::parse_from_str(&nip[0..8], "%Y%m%d");
            assert!(birth.is_ok(), "{nip}");
            let sex_digit = &nip[14..15];
            assert_eq!(sex_digit, if sex == "male" { "1" } else { "2" }, "{nip}");
            assert_ne!(&nip[15..18], "000");
            if employee_type == "pns" {
                let month: u32 = nip[12..14].parse().unwrap_or(0);
                assert!((1..=12).contains(&month), "{nip}");
            }
        }
    }
}
