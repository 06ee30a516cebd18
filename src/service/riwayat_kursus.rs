//! The riwayat kursus export for BKN's SIASN (`domain::siasn`): every standing certificate (sertifikat or surat
//! keterangan, not revoked) of an officer, or of a unit's current officers, as the rows SIASN's riwayat kursus
//! takes, for the operator to upload. Nothing is sent anywhere. Reads only, except the CSV files: each is recorded
//! in the audit log as an access (`export.riwayat_kursus`, naming the officers whose full NIP it shows), written
//! here (no trigger is involved); the JSON answers are recorded as reads of full NIPs.
//!
//! Who: an officer's rows for the officer, their unit's operator and admins (`service::trainings::reader`); a
//! unit's for admins and the unit's operator (`service::compliance::unit_reader`).

use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::domain::csv::{Cell, CsvWriter, Delimiter, percent_encode, slugs};
use crate::domain::jp::training_year;
use crate::domain::labels::Label;
use crate::domain::siasn::{KindMap, siasn_date};
use crate::error::ApiError;
use crate::repo::audit::{self, NewAuditEntry};
use crate::repo::riwayat_kursus::{self as repo, CourseRow};
use crate::service::audit_log::{self, AccessEvent};
use crate::service::{DbPool, Input, Permit, ReadInput};

/// Whose rows.
#[derive(Debug, Clone, Copy)]
pub enum Holders {
    Officer(Uuid),
    /// The unit's current officers (not archived).
    Unit(Uuid),
}

fn rows(
    conn: &mut diesel::PgConnection,
    of: Holders,
    year: Option<i32>,
    kinds: &KindMap,
) -> Result<Vec<Course>, ApiError> {
    let (officer, unit) = match of {
        Holders::Officer(id) => (Some(id), None),
        Holders::Unit(id) => (None, Some(id)),
    };
    Ok(repo::courses(conn, officer, unit, year)?
        .into_iter()
        .map(|r| course(r, kinds))
        .collect())
}

/// One riwayat kursus row: SIASN's fields, and the officer and certificate they come from.
#[derive(Debug, Clone)]
pub struct Course {
    pub participant_id: Uuid,
    pub certificate_id: Uuid,
    pub nip: Option<String>,
    pub full_name: String,
    /// `namaKursus`: the event's title.
    pub course_name: String,
    /// `institusiPenyelenggara`: the host unit.
    pub institution: String,
    /// `jenisDiklatId`.
    pub kind_code: String,
    /// `jenisKursus`.
    pub kind_name: String,
    /// `jenisKursusSertipikat`: `Sertifikat` or `Surat Keterangan`.
    pub certificate_kind: String,
    /// `jumlahJam`: the JP the certificate states.
    pub hours: i64,
    /// `tahunKursus`: the year of the last day.
    pub year: i32,
    /// `tanggalKursus`, `dd-mm-yyyy`.
    pub starts_on: String,
    /// `tanggalSelesaiKursus`, `dd-mm-yyyy`.
    pub ends_on: String,
    /// `nomorSertipikat`.
    pub certificate_number: String,
}

fn course(row: CourseRow, kinds: &KindMap) -> Course {
    let kind = kinds.of(row.event_kind);
    Course {
        participant_id: row.participant_id,
        certificate_id: row.certificate_id,
        nip: row.nip,
        full_name: row.full_name,
        course_name: row.title,
        institution: row.host_unit_name,
        kind_code: kind.code,
        kind_name: kind.name,
        certificate_kind: row.certificate_kind.label().to_owned(),
        hours: row.jp.round() as i64,
        year: training_year(row.ends_on),
        starts_on: siasn_date(row.starts_on),
        ends_on: siasn_date(row.ends_on),
        certificate_number: row.certificate_number,
    }
}

/// Whose rows the caller may read, checked: `Holders` once allowed.
fn holders(
    conn: &mut diesel::PgConnection,
    user: &AuthUser,
    of: Holders,
) -> Result<Holders, ApiError> {
    match of {
        Holders::Officer(id) => {
            crate::service::trainings::reader(conn, user, id, false)?;
        }
        Holders::Unit(id) => {
            crate::service::compliance::unit_reader(conn, user, id)?;
        }
    }
    Ok(of)
}

/// The officers (other than the caller) whose full NIP the rows show.
fn shown(user: &AuthUser, courses: &[Course]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = courses
        .iter()
        .filter(|c| c.nip.is_some() && user.participant_id != Some(c.participant_id))
        .map(|c| c.participant_id)
        .collect();
    ids.dedup();
    ids
}

/// The rows of an officer or a unit, of one year when given.
pub async fn courses(
    pool: &DbPool,
    user: &AuthUser,
    of: Holders,
    year: Input<Option<i32>>,
    kinds: KindMap,
) -> Result<Vec<Course>, ApiError> {
    let user = user.clone();
    let year = ReadInput::new(year);
    db::read(pool, move |conn| {
        let of = holders(conn, &user, of)?;
        let year = year.open(&Permit::granted())?;
        let rows = rows(conn, of, year, &kinds)?;
        let ids = shown(&user, &rows);
        if !ids.is_empty() {
            audit_log::access(AccessEvent::nips_read(ids));
        }
        Ok(rows)
    })
    .await
}

/// The CSV's header: SIASN's field names, the NIP and the officer's name first.
pub const CSV_HEADER: [&str; 12] = [
    "nip",
    "nama",
    "namaKursus",
    "institusiPenyelenggara",
    "jenisDiklatId",
    "jenisKursus",
    "jenisKursusSertipikat",
    "jumlahJam",
    "tahunKursus",
    "tanggalKursus",
    "tanggalSelesaiKursus",
    "nomorSertipikat",
];

/// A finished CSV file and its names.
#[derive(Debug)]
pub struct CourseFile {
    pub file_name: String,
    pub file_name_encoded: String,
    pub bytes: Vec<u8>,
}

/// The rows as a CSV file (recorded in the audit log before it is written), named
/// `riwayat-kursus-<NIP or unit code>[-<year>].csv`.
pub async fn csv(
    pool: &DbPool,
    user: &AuthUser,
    of: Holders,
    request: Input<(Option<i32>, Delimiter)>,
    kinds: KindMap,
) -> Result<CourseFile, ApiError> {
    let user = user.clone();
    let (rows, subject, year, delimiter) = db::run(pool, move |conn| {
        let of = holders(conn, &user, of)?;
        let (year, delimiter) = request.open(&Permit::granted())?;
        let rows = rows(conn, of, year, &kinds)?;
        let (resource_type, resource_id, subject) = match of {
            Holders::Officer(id) => (
                "participant",
                id,
                rows.first()
                    .and_then(|c| c.nip.clone())
                    .unwrap_or_else(|| "pegawai".to_owned()),
            ),
            Holders::Unit(id) => (
                "unit",
                id,
                crate::repo::compliance::unit(conn, id)?
                    .map(|u| u.code)
                    .unwrap_or_default(),
            ),
        };
        let ids = shown(&user, &rows);
        let context = crate::context::current();
        audit::record(
            conn,
            &[NewAuditEntry {
                actor_user_id: Some(user.id),
                actor_client_id: user.client_id,
                actor_role: Some(user.role.as_str().to_owned()),
                action: "export.riwayat_kursus".to_owned(),
                resource_type: resource_type.to_owned(),
                resource_id: Some(resource_id),
                participant_id: None,
                changes: json!({"format": "csv", "year": year, "count": rows.len()}),
                participant_ids: ids,
                request_id: context.and_then(|c| c.request_id),
            }],
        )?;
        Ok((rows, subject, year, delimiter))
    })
    .await?;
    let mut w = CsvWriter::with_delimiter(delimiter, true);
    w.row(CSV_HEADER.iter().map(|h| Cell::Text(h)));
    for c in &rows {
        w.row([
            c.nip.as_deref().map_or(Cell::Empty, Cell::Text),
            Cell::Text(&c.full_name),
            Cell::Text(&c.course_name),
            Cell::Text(&c.institution),
            Cell::Text(&c.kind_code),
            Cell::Text(&c.kind_name),
            Cell::Text(&c.certificate_kind),
            Cell::Int(c.hours),
            Cell::Int(i64::from(c.year)),
            Cell::Text(&c.starts_on),
            Cell::Text(&c.ends_on),
            Cell::Text(&c.certificate_number),
        ]);
    }
    let (ascii, unicode) = slugs(&subject);
    let name = |slug: &str| match year {
        Some(y) => format!("riwayat-kursus-{slug}-{y}.csv"),
        None => format!("riwayat-kursus-{slug}.csv"),
    };
    Ok(CourseFile {
        file_name: name(&ascii),
        file_name_encoded: percent_encode(&name(&unicode)),
        bytes: w.into_bytes(),
    })
}
