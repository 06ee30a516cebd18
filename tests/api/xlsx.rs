//! The XLSX exports read back with calamine (title block, frozen bold header, NIPs as text, dates as dates, numbers
//! as numbers, Indonesian labels and values), the CSV's semicolon dialect read with the csv crate, and the ZIP of an
//! event's certificates read back with the zip crate.

use std::io::{Cursor, Read};

use bimtek_api::domain::role::Role;
use calamine::{Data, Reader, Xlsx};
use diesel::connection::SimpleConnection;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};
use crate::reports::seed_evaluations;
use crate::results::scenario;
use crate::scores::audit_rows;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The body of a 200 answer and its headers.
async fn body(response: reqwest::Response) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap().to_vec();
    assert_eq!(
        status,
        200,
        "{}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(500)])
    );
    (headers, bytes)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A sheet read back: its cells, its cell styles and its raw XML (for what calamine does not tell: the panes).
struct Sheet {
    cells: calamine::Range<Data>,
    styles: calamine::StyleRange,
    xml: String,
}

fn read_sheet(bytes: &[u8], name: &str) -> Sheet {
    // `XLSX_DUMP_DIR=/tmp/x`: keep the files, to look at them (LibreOffice, pdftoppm).
    if let Ok(dir) = std::env::var("XLSX_DUMP_DIR") {
        std::fs::write(format!("{dir}/{}.xlsx", name.replace(' ', "-")), bytes).unwrap();
    }
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), [name]);
    let cells = book.worksheet_range(name).unwrap();
    let styles = book.worksheet_style(name).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    Sheet { cells, styles, xml }
}

impl Sheet {
    fn get(&self, row: u32, col: u32) -> &Data {
        self.cells.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    fn text(&self, row: u32, col: u32) -> String {
        match self.get(row, col) {
            Data::String(s) => s.clone(),
            other => panic!("({row}, {col}) is not text: {other:?}"),
        }
    }

    fn number(&self, row: u32, col: u32) -> f64 {
        match self.get(row, col) {
            Data::Float(n) => *n,
            Data::Int(n) => *n as f64,
            other => panic!("({row}, {col}) is not a number: {other:?}"),
        }
    }

    fn date(&self, row: u32, col: u32) -> chrono::NaiveDate {
        match self.get(row, col) {
            Data::DateTime(d) => d.as_datetime().unwrap().date(),
            other => panic!("({row}, {col}) is not a date: {other:?}"),
        }
    }

    fn bold(&self, row: u32, col: u32) -> bool {
        self.styles
            .get((row, col))
            .and_then(|s| s.font.as_ref())
            .is_some_and(|f| f.is_bold())
    }

    /// The row whose column A says `label` (title block lines, the header row).
    fn row_of(&self, label: &str) -> u32 {
        (0..self.cells.height() as u32)
            .find(|r| matches!(self.get(*r, 0), Data::String(s) if s == label))
            .unwrap_or_else(|| panic!("no row {label}"))
    }

    /// The title block line's value (column C).
    fn line(&self, label: &str) -> &Data {
        self.get(self.row_of(label), 2)
    }

    /// The header row's labels.
    fn columns(&self, header: u32) -> Vec<String> {
        (0..self.cells.width() as u32)
            .map(|c| match self.get(header, c) {
                Data::String(s) => s.clone(),
                _ => String::new(),
            })
            .collect()
    }

    /// Every text cell, to look for words that must not be there.
    fn all_text(&self) -> Vec<String> {
        self.cells
            .used_cells()
            .filter_map(|(_, _, d)| match d {
                Data::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

async fn get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.send(Method::GET, path, token, None).await
}

#[tokio::test]
async fn the_attendance_xlsx_has_a_title_block_a_frozen_bold_header_text_nips_and_indonesian_dates()
{
    let app = spawn_app().await;
    let unit = app.seed_unit("XLS1");
    let s = scenario(&app, unit);
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET title = 'Orientasi Lapangan: PM Rehabilitasi Sosial',
                    starts_on = '2025-08-02', ends_on = '2025-08-02' WHERE id = '{}';
             UPDATE sessions SET location = 'Aula Lapas Narkotika' WHERE id = '{}';",
            s.event, s.sessions[0]
        ))
        .unwrap();
    let (organizer, token) = app.organizer_of(s.event).await;
    let (headers, bytes) = body(
        get(
            &app,
            &format!("/api/v1/events/{}/exports/attendance.xlsx", s.event),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(header(&headers, "content-type"), XLSX);
    let name = "daftar-hadir-orientasi-lapangan-pm-rehabilitasi-sosial-2025-08-02.xlsx";
    assert_eq!(
        header(&headers, "content-disposition"),
        format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}")
    );
    assert!(headers.get("content-length").is_none(), "streamed");

    let sheet = read_sheet(&bytes, "Daftar Hadir");
    // The title block.
    assert_eq!(sheet.text(0, 0), "DAFTAR HADIR PESERTA");
    assert!(sheet.bold(0, 0));
    assert_eq!(
        sheet.line("Kegiatan"),
        &Data::String("Orientasi Lapangan: PM Rehabilitasi Sosial".into())
    );
    let date_row = sheet.row_of("Tanggal");
    assert_eq!(
        sheet.date(date_row, 2),
        chrono::NaiveDate::from_ymd_opt(2025, 8, 2).unwrap()
    );
    assert_eq!(
        sheet.line("Tempat"),
        &Data::String("Aula Lapas Narkotika".into())
    );
    let Data::String(host) = sheet.line("Unit Penyelenggara") else {
        panic!("no host unit")
    };
    assert!(host.starts_with("Unit "), "{host}");

    // The header row: bold, frozen (the rows below it scroll), repeated on every printed page.
    let header_row = sheet.row_of("No");
    let columns = sheet.columns(header_row);
    assert_eq!(&columns[..4], ["No", "NIP", "Nama", "Unit Kerja"]);
    assert_eq!(columns.len(), 4 + 5 + 3);
    assert!(
        columns[4].starts_with("Seminar\n") && columns[4].contains(" 20"),
        "the session's date under its title: {:?}",
        columns[4]
    );
    assert_eq!(
        &columns[9..],
        ["Jumlah Hadir", "Persentase Kehadiran (%)", "JP"]
    );
    assert!((0..columns.len() as u32).all(|c| sheet.bold(header_row, c)));
    assert!(!sheet.bold(header_row + 1, 2), "data rows are not bold");
    assert!(
        sheet.xml.contains(&format!(
            "topLeftCell=\"A{}\" activePane=\"bottomLeft\" state=\"frozen\"",
            header_row + 2
        )),
        "frozen below the header: {}",
        &sheet.xml[..sheet.xml.len().min(1500)]
    );

    // Four officers by name: NIPs as 18-digit text, statuses in Indonesian, counts as numbers.
    let first = header_row + 1;
    for (i, officer) in ["Ahmad Fauzi", "Budi Santoso", "Citra Dewi", "Dewi Lestari"]
        .iter()
        .enumerate()
    {
        let row = first + i as u32;
        assert_eq!(sheet.number(row, 0), (i + 1) as f64);
        let nip = sheet.text(row, 1);
        assert!(
            nip.len() == 18 && nip.bytes().all(|b| b.is_ascii_digit()),
            "{nip}"
        );
        assert_eq!(sheet.text(row, 2), *officer);
    }
    assert_eq!(
        (4..9).map(|c| sheet.text(first, c)).collect::<Vec<_>>(),
        ["Hadir", "Hadir", "Hadir", "Hadir", "Alpa"]
    );
    assert_eq!(sheet.text(first + 2, 4), "Terlambat");
    assert_eq!(sheet.number(first, 9), 4.0);
    assert_eq!(sheet.number(first, 10), 80.0);
    assert_eq!(sheet.number(first, 11), 8.0);
    assert_eq!(
        sheet.cells.height() as u32,
        first + 4,
        "nothing after the four"
    );

    // Same authorization and audit as the CSV.
    let audit = audit_rows(&app);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "export.attendance");
    assert_eq!(audit[0].changes, json!({"format": "xlsx", "count": 4}));
    assert_eq!(audit[0].actor_user_id, Some(organizer.id));
    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(s.sessions[0], facilitator.id);
    let path = format!("/api/v1/events/{}/exports/attendance.xlsx", s.event);
    assert_problem(get(&app, &path, &facilitator_token).await, 403, "forbidden").await;
    let (_, admin) = app.user_with_token(Role::Admin).await;
    assert_problem(
        get(
            &app,
            &format!("/api/v1/events/{}/exports/other.xlsx", s.event),
            &admin,
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_score_and_evaluation_xlsx_hold_numbers_dates_and_indonesian_values() {
    let app = spawn_app().await;
    let unit = app.seed_unit("XLS2");
    let s = scenario(&app, unit);
    seed_evaluations(&app, &s);
    // A choice question with labelled options and a labelled Likert scale, answered by Ahmad.
    let (q1, q2) = (Uuid::new_v4(), Uuid::new_v4());
    let response: Uuid = {
        use diesel::prelude::*;
        bimtek_api::schema::responses::table
            .filter(bimtek_api::schema::responses::respondent_kind.eq("alumnus"))
            .select(bimtek_api::schema::responses::id)
            .first(&mut app.db())
            .unwrap()
    };
    app.db()
        .batch_execute(&format!(
            "INSERT INTO questions (id, instrument_id, position, question_type, prompt, settings, required)
               SELECT '{q1}', instrument_id, 2, 'single_choice', 'Materi yang paling berguna', '{{\"options\": [
                   {{\"key\": \"mm\", \"label\": \"Morning meeting\"}}, {{\"key\": \"sem\", \"label\": \"Seminar\"}}]}}', false
               FROM responses WHERE id = '{response}';
             INSERT INTO questions (id, instrument_id, position, question_type, prompt, settings, required)
               SELECT '{q2}', instrument_id, 3, 'likert', 'Kepuasan', '{{\"scale\": 4, \"labels\": [\"Kurang\", \"Cukup\", \"Baik\", \"Sangat baik\"]}}', false
               FROM responses WHERE id = '{response}';
             INSERT INTO answers (response_id, question_id, value_options) VALUES ('{response}', '{q1}', ARRAY['sem']);
             INSERT INTO answers (response_id, question_id, value_number) VALUES ('{response}', '{q2}', 3);
             UPDATE scores SET score = 75 WHERE enrollment_id = '{}' AND kind = 'pre_test';",
            s.officers[1].1
        ))
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;

    let (_, bytes) = body(
        get(
            &app,
            &format!("/api/v1/events/{}/exports/scores.xlsx", s.event),
            &admin,
        )
        .await,
    )
    .await;
    let sheet = read_sheet(&bytes, "Rekap Nilai");
    assert_eq!(sheet.text(0, 0), "REKAPITULASI NILAI PESERTA");
    let h = sheet.row_of("No");
    assert_eq!(
        sheet.columns(h),
        [
            "No",
            "NIP",
            "Nama",
            "Unit Kerja",
            "Pre-test",
            "Post-test",
            "Gain",
            "Gain Ternormalisasi",
            "Praktik",
            "Kehadiran (%)",
            "JP",
            "Hasil"
        ]
    );
    // The event runs over several days: both dates, as dates.
    let starts = sheet.date(sheet.row_of("Tanggal Mulai"), 2);
    let ends = sheet.date(sheet.row_of("Tanggal Selesai"), 2);
    assert!(starts < ends);
    assert_eq!(
        (
            sheet.number(h + 1, 4),
            sheet.number(h + 1, 5),
            sheet.number(h + 1, 6),
            sheet.number(h + 1, 7)
        ),
        (40.0, 70.0, 30.0, 0.5)
    );
    assert_eq!(sheet.text(h + 1, 11), "Sertifikat");
    assert_eq!(
        sheet.number(h + 2, 6),
        -15.0,
        "a negative gain stays a number"
    );
    assert_eq!(sheet.text(h + 2, 11), "Surat Keterangan");
    assert_eq!(sheet.text(h + 3, 11), "Tidak Memenuhi Syarat");
    assert_eq!(sheet.get(h + 3, 4), &Data::Empty, "no pre-test");

    let (_, bytes) = body(
        get(
            &app,
            &format!("/api/v1/events/{}/exports/evaluations.xlsx", s.event),
            &admin,
        )
        .await,
    )
    .await;
    let sheet = read_sheet(&bytes, "Rekap Evaluasi");
    let h = sheet.row_of("Instrumen");
    let columns = sheet.columns(h);
    let col = |name: &str| columns.iter().position(|c| c == name).unwrap() as u32;
    assert_eq!(
        &columns[..],
        [
            "Instrumen",
            "Jenis",
            "Sesi",
            "Narasumber",
            "ID Respon",
            "Responden",
            "NIP",
            "Nama",
            "Tanggal Pengisian",
            "Nilai Tes",
            "No Soal",
            "Pertanyaan",
            "Tipe Soal",
            "Jawaban",
            "Keterangan Jawaban",
            "Kode Opsi",
            "Poin"
        ]
    );
    let rows: Vec<u32> = (h + 1..sheet.cells.height() as u32).collect();
    assert_eq!(
        rows.len(),
        9 + 4 + 3,
        "the follow-up has three questions now"
    );
    let value = |row: u32, name: &str| sheet.get(row, col(name)).clone();
    let texts = |name: &str| -> Vec<String> {
        let mut v: Vec<String> = rows
            .iter()
            .filter_map(|r| match value(*r, name) {
                Data::String(s) => Some(s),
                _ => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(texts("Responden"), ["Alumni", "Peserta"]);
    assert_eq!(
        texts("Tipe Soal"),
        ["Isian Teks", "Pilihan Tunggal", "Skala Likert"]
    );
    assert_eq!(
        texts("Jenis"),
        [
            "Evaluasi Narasumber",
            "Evaluasi Pasca Pelatihan",
            "Evaluasi Penyelenggaraan"
        ]
    );
    let choice = *rows
        .iter()
        .find(|r| value(**r, "Pertanyaan") == Data::String("Materi yang paling berguna".into()))
        .unwrap();
    assert_eq!(value(choice, "Jawaban"), Data::String("Seminar".into()));
    assert_eq!(
        value(choice, "Kode Opsi"),
        Data::String("sem".into()),
        "the option's key stays, as a code"
    );
    let likert = *rows
        .iter()
        .find(|r| value(**r, "Pertanyaan") == Data::String("Kepuasan".into()))
        .unwrap();
    assert_eq!(value(likert, "Jawaban"), Data::Float(3.0));
    assert_eq!(
        value(likert, "Keterangan Jawaban"),
        Data::String("Baik".into())
    );
    assert_eq!(
        sheet.date(likert, col("Tanggal Pengisian")),
        bimtek_api::domain::certificate::wib_date(chrono::Utc::now())
    );
    let nip = match value(likert, "NIP") {
        Data::String(s) => s,
        other => panic!("NIP {other:?}"),
    };
    assert!(nip.len() == 18 && nip.bytes().all(|b| b.is_ascii_digit()));
    // No English identifier of the API anywhere in the sheet.
    for word in [
        "participant",
        "alumnus",
        "single_choice",
        "likert",
        "text",
        "event_evaluation",
        "follow_up",
    ] {
        assert!(
            !sheet.all_text().iter().any(|t| t == word),
            "{word} in the sheet"
        );
    }
}

#[tokio::test]
async fn the_csv_takes_a_semicolon_delimiter_with_decimal_commas_and_refuses_an_unknown_one() {
    let app = spawn_app().await;
    let unit = app.seed_unit("XLS3");
    let s = scenario(&app, unit);
    app.db()
        .batch_execute(&format!(
            "UPDATE units SET name = 'Lapas Kelas IIA; Palangka Raya' WHERE id = '{unit}';"
        ))
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let path = format!("/api/v1/events/{}/exports/scores.csv", s.event);
    let (headers, bytes) =
        body(get(&app, &format!("{path}?delimiter=semicolon"), &admin).await).await;
    assert_eq!(header(&headers, "content-type"), "text/csv; charset=utf-8");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let columns: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(columns[..4], ["No", "NIP", "Nama", "Unit Kerja"]);
    assert_eq!(columns.len(), 12);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    let ahmad = &rows[0];
    assert_eq!(ahmad.len(), 12, "every row has every column");
    assert_eq!(&ahmad[2], "Ahmad Fauzi");
    assert_eq!(
        &ahmad[3], "Lapas Kelas IIA; Palangka Raya",
        "quoted, read back whole"
    );
    assert_eq!(&ahmad[7], "0,5", "a decimal comma");
    assert_eq!(&ahmad[11], "Sertifikat");
    assert!(ahmad[1].len() == 18 && ahmad[1].bytes().all(|b| b.is_ascii_digit()));

    // The default, and `comma` said out loud, are RFC 4180 with decimal points.
    for query in ["", "?delimiter=comma"] {
        let (_, bytes) = body(get(&app, &format!("{path}{query}"), &admin).await).await;
        let mut reader = csv::Reader::from_reader(&bytes[3..]);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][7], "0.5");
        assert_eq!(&rows[0][3], "Lapas Kelas IIA; Palangka Raya");
    }

    for bad in ["tab", "SEMICOLON", ""] {
        let problem = assert_problem(
            get(&app, &format!("{path}?delimiter={bad}"), &admin).await,
            400,
            "invalid_query",
        )
        .await;
        assert_eq!(error_fields(&problem), ["delimiter"], "{bad:?}: {problem}");
    }
}

#[tokio::test]
async fn an_xlsx_of_many_officers_is_written_across_pages_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let unit = app.seed_unit("XLS4");
    let event = app.seed_event("ongoing", 2000);
    app.db()
        .batch_execute(&format!(
            "INSERT INTO participants (id, nip, full_name, name_search, sex, employee_type, unit_id)
               SELECT gen_random_uuid(), '198503' || lpad(i::text, 8, '0') || '1001', 'Petugas ' || lpad(i::text, 4, '0'),
                      'petugas ' || lpad(i::text, 4, '0'), 'male', 'pns', '{unit}'
               FROM generate_series(1, 1203) AS i;
             INSERT INTO enrollments (event_id, participant_id, status, check_in_code)
               SELECT '{event}', id, 'approved', md5(id::text) FROM participants WHERE unit_id = '{unit}';"
        ))
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, bytes) = body(
        get(
            &app,
            &format!("/api/v1/events/{event}/exports/scores.xlsx"),
            &admin,
        )
        .await,
    )
    .await;
    let sheet = read_sheet(&bytes, "Rekap Nilai");
    let h = sheet.row_of("No");
    assert_eq!(sheet.cells.height() as u32, h + 1 + 1203);
    for n in 1..=1203u32 {
        let row = h + n;
        assert_eq!(sheet.number(row, 0), f64::from(n));
        assert_eq!(sheet.text(row, 2), format!("Petugas {n:04}"));
        assert_eq!(
            sheet.text(row, 1),
            format!("198503{n:08}1001"),
            "text, leading digits kept"
        );
    }
}

/// Officers who pass: more certificates than the scenario's two.
fn more_holders(app: &TestApp, s: &crate::certificates::Scenario, n: usize) -> Vec<Uuid> {
    use bimtek_api::schema::sessions;
    use diesel::prelude::*;
    let session_ids: Vec<Uuid> = sessions::table
        .filter(sessions::event_id.eq(s.event))
        .select(sessions::id)
        .load(&mut app.db())
        .unwrap();
    (0..n)
        .map(|i| {
            let officer = app.seed_participant(s.unit, &format!("Zulkifli {i}"));
            let (enrollment, _) = app.seed_enrollment(s.event, officer, "approved");
            let mut sql = format!(
                "INSERT INTO scores (enrollment_id, kind, score, source) VALUES ('{enrollment}', 'post_test', 90, 'manual');"
            );
            for session in &session_ids {
                sql.push_str(&format!(
                    "INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method)
                     VALUES ('{session}', '{enrollment}', '{officer}', 'present', 'manual');"
                ));
            }
            app.db().batch_execute(&sql).unwrap();
            officer
        })
        .collect()
}

/// The entries of a ZIP: (name, bytes), in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    if let Ok(dir) = std::env::var("XLSX_DUMP_DIR") {
        std::fs::write(format!("{dir}/certificates-{}.zip", bytes.len()), bytes).unwrap();
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().to_string(), content)
        })
        .collect()
}

#[tokio::test]
async fn the_certificates_zip_holds_every_valid_certificate_as_a_pdf_named_by_its_number() {
    let app = spawn_app().await;
    let s = crate::certificates::scenario(&app, "");
    let extra = more_holders(&app, &s, 4);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let issued = crate::certificates::issue(&app, s.event, &admin).await;
    let issued: serde_json::Value = issued.json().await.unwrap();
    let items = issued["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 6, "Budi, Ani and four more");
    // One revoked, one holder erased: both left out.
    let revoked = items
        .iter()
        .find(|c| c["holder_name"] == "Zulkifli 0")
        .unwrap();
    let response = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/certificates/{}/revoke",
                revoked["id"].as_str().unwrap()
            ),
            &admin,
            Some(json!({"reason": "Salah input"})),
        )
        .await;
    assert_eq!(response.status(), 200);
    let erase = app
        .send(
            Method::POST,
            &format!("/api/v1/participants/{}/erase", extra[1]),
            &admin,
            None,
        )
        .await;
    assert_eq!(erase.status(), 200, "{}", erase.text().await.unwrap());

    let path = format!("/api/v1/events/{}/certificates.zip", s.event);
    let (headers, bytes) = body(get(&app, &path, &admin).await).await;
    assert_eq!(header(&headers, "content-type"), "application/zip");
    assert!(
        header(&headers, "content-disposition").starts_with(
            "attachment; filename=\"sertifikat-orientasi-lapangan-pm-rehabilitasi-sosial-"
        ),
        "{headers:?}"
    );
    assert!(headers.get("content-length").is_none(), "streamed");
    assert_eq!(header(&headers, "x-certificate-count"), "4");
    let entries = unzip(&bytes);
    let expected: Vec<String> = items
        .iter()
        .filter(|c| c["holder_name"] != "Zulkifli 0" && c["holder_name"] != "Zulkifli 1")
        .map(|c| {
            let kind = c["kind"].as_str().unwrap().replace('_', "-");
            let number: String = c["number"]
                .as_str()
                .unwrap()
                .chars()
                .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
                .collect();
            format!("{kind}-{number}.pdf")
        })
        .collect();
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected, "valid certificates by number, named by it");
    assert!(
        names.iter().any(|n| n.starts_with("surat-keterangan-")),
        "both kinds: {names:?}"
    );
    for (name, pdf) in &entries {
        assert!(pdf.starts_with(b"%PDF"), "{name} is a PDF");
        assert!(pdf.len() > 1000, "{name}");
    }
    assert!(
        audit_rows(&app)
            .iter()
            .any(|a| a.action == "export.certificates"
                && a.changes == json!({"format": "zip", "count": 4}))
    );

    // The holder gets their own; a facilitator and an organizer of another event are refused; the operator of
    // another unit gets none of these officers' certificates.
    let budi = crate::certificates::account_of(&app, s.budi).await;
    let (_, bytes) = body(get(&app, &path, &budi).await).await;
    let own = unzip(&bytes);
    assert_eq!(own.len(), 1);
    assert!(own[0].0.starts_with("sertifikat-") && own[0].1.starts_with(b"%PDF"));
    for role in [Role::Facilitator, Role::Organizer] {
        let (_, token) = app.user_with_token(role).await;
        assert_problem(get(&app, &path, &token).await, 403, "forbidden").await;
    }
    let (_, operator) = app.user_with_token(Role::UnitOperator).await;
    let (headers, bytes) = body(get(&app, &path, &operator).await).await;
    assert_eq!(header(&headers, "x-certificate-count"), "0");
    assert!(unzip(&bytes).is_empty());
}

#[tokio::test]
async fn the_jp_compliance_xlsx_has_the_rules_in_its_title_block_and_text_nips() {
    let app = spawn_app().await;
    let s = crate::certificates::scenario(&app, "");
    let year = bimtek_api::service::trainings::current_year();
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET starts_on = make_date({year}, 6, 1), ends_on = make_date({year}, 6, 2) WHERE id = '{}'",
            s.event
        ))
        .unwrap();
    let operator = app.operator_of(s.unit).await;
    let (headers, bytes) = body(
        get(
            &app,
            &format!("/api/v1/units/{}/jp-compliance.xlsx?sort=-total_jp", s.unit),
            &operator,
        )
        .await,
    )
    .await;
    assert_eq!(header(&headers, "content-type"), XLSX);
    assert!(header(&headers, "content-disposition").contains(&format!("-{year}.xlsx")));
    let sheet = read_sheet(&bytes, "Rekap JP");
    assert_eq!(
        sheet.text(0, 0),
        "REKAPITULASI JAM PELAJARAN (JP) PENGEMBANGAN KOMPETENSI"
    );
    assert_eq!(sheet.number(sheet.row_of("Tahun"), 2), f64::from(year));
    let Data::String(pns) = sheet.line("Ketentuan PNS") else {
        panic!("no PNS rule")
    };
    assert!(pns.starts_with("Paling Sedikit 20 JP (PP 11/2017"), "{pns}");
    let header_row = sheet.row_of("No");
    assert!(sheet.bold(header_row, 0));
    assert_eq!(
        sheet.columns(header_row),
        [
            "No",
            "NIP",
            "Nama",
            "Jenis Kepegawaian",
            "Unit Kerja",
            "Jumlah JP",
            "Ketentuan",
            "Batas JP",
            "Status",
            "Kekurangan JP"
        ]
    );
    let first = header_row + 1;
    assert_eq!(sheet.text(first, 1).len(), 18, "the NIP as text");
    assert_eq!(sheet.text(first, 3), "PNS");
    assert_eq!(sheet.number(first, 5), 4.0);
    assert_eq!(sheet.text(first, 8), "Belum Memenuhi");
    assert_eq!(sheet.number(first, 9), 16.0);
    assert_eq!(sheet.number(first + 3, 5), 0.0, "by total, highest first");

    // The Kanwil's table for administrators.
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let (_, bytes) = body(get(&app, "/api/v1/jp-compliance.xlsx", &admin).await).await;
    let sheet = read_sheet(&bytes, "Rekap JP per Unit");
    let header_row = sheet.row_of("No");
    assert_eq!(sheet.columns(header_row)[1], "Kode Unit");
    assert!(
        sheet.all_text().contains(&"Jumlah".to_owned()),
        "the Kanwil's total"
    );
}
