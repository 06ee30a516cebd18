//! The demo data of `seed-demo`: the Bimtek of the source text (2 August 2025 at Lapas Narkotika Kelas IIA
//! Kasongan), the units of Central Kalimantan, 20 synthetic officers with valid synthetic NIPs, and one login per
//! role. Running it again changes nothing. Names and NIPs are invented: they belong to no one.

use chrono::{NaiveDate, TimeZone, Utc};
use diesel::Connection;
use diesel::pg::PgConnection;
use uuid::Uuid;

use crate::auth::password;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::repo::demo::{self, DemoEvent, DemoParticipant, DemoSession, DemoUnit};
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
        let mut first_participant = None;
        for (nip, full_name, sex, employee_type, grade, position, unit) in OFFICERS {
            let id = demo::participant(
                conn,
                &DemoParticipant {
                    nip,
                    full_name,
                    sex,
                    employee_type,
                    grade,
                    position: Some(position),
                    unit_id: unit_of(unit)?,
                },
            )?;
            first_participant.get_or_insert(id);
        }
        let program = demo::program(
            conn,
            "PM Rehabilitasi Sosial",
            2025,
            "Program Manager Rehabilitasi Sosial: petugas UPT se-Kalimantan Tengah yang menjalankan rehabilitasi sosial bagi WBP kasus narkotika (metode Therapeutic Community).",
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

        let users = seed_users(conn, &unit_ids, first_participant)?;
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
        for (suffix, kind, title, start, end, jp) in SESSIONS {
            let id = Uuid::from_u128(0x5eed0000_0000_4000_8000_000000000000 | suffix);
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
        Ok(SeedSummary {
            units: UNITS.len() + 1,
            participants: OFFICERS.len(),
            sessions: SESSIONS.len(),
        })
    })
}

struct DemoUserIds {
    organizer: Uuid,
    facilitator: Uuid,
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
                        role: login.role.as_str().to_owned(),
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
            _ => {}
        }
    }
    match (organizer, facilitator) {
        (Some(organizer), Some(facilitator)) => Ok(DemoUserIds {
            organizer,
            facilitator,
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
