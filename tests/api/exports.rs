//! CSV exports: the daftar hadir matrix, the score recap and the evaluation recap; the BOM, the headers, the
//! file name, formula neutralisation, anonymity, paging across many officers, the audit entry and who may download.

use bimtek_api::domain::role::Role;
use diesel::connection::SimpleConnection;
use reqwest::Method;
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app};
use crate::reports::seed_evaluations;
use crate::results::scenario;
use crate::scores::audit_rows;

/// The body as text without its BOM, and the rows split naively (the tests avoid quoted line breaks).
async fn csv(response: reqwest::Response) -> (reqwest::header::HeaderMap, Vec<String>) {
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.ends_with("\r\n"));
    let rows = text
        .trim_end_matches("\r\n")
        .split("\r\n")
        .map(str::to_owned)
        .collect();
    (headers, rows)
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_attendance_export_is_the_daftar_hadir_matrix_and_is_audited() {
    let app = spawn_app().await;
    let unit = app.seed_unit("EXP1");
    let s = scenario(&app, unit);
    app.db()
        .batch_execute(&format!(
            "UPDATE events SET title = 'Orientasi Lapangan: PM Rehabilitasi Sosial' WHERE id = '{}';
             UPDATE participants SET full_name = '=HYPERLINK(\"http://x\")' WHERE id = '{}';
             UPDATE units SET name = 'Lapas Kelas IIA, Palangka Raya' WHERE id = '{unit}';",
            s.event, s.officers[1].2
        ))
        .unwrap();
    let (organizer, token) = app.organizer_of(s.event).await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{}/exports/attendance.csv", s.event),
            &token,
            None,
        )
        .await;
    let (headers, rows) = csv(response).await;
    assert_eq!(header(&headers, "content-type"), "text/csv; charset=utf-8");
    let disposition = header(&headers, "content-disposition");
    let date = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
    let name = format!("daftar-hadir-orientasi-lapangan-pm-rehabilitasi-sosial-{date}.csv");
    assert_eq!(
        disposition,
        format!("attachment; filename=\"{name}\"; filename*=UTF-8''{name}")
    );
    assert_eq!(header(&headers, "cache-control"), "no-store");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");

    assert_eq!(rows.len(), 5, "header and four approved officers: {rows:?}");
    let columns: Vec<&str> = rows[0].split(',').collect();
    assert_eq!(&columns[..4], ["No", "NIP", "Nama", "Unit Kerja"]);
    assert_eq!(columns.len(), 4 + 5 + 3);
    assert!(columns[4].starts_with("Seminar ("));
    assert_eq!(
        &columns[9..],
        ["Jumlah Hadir", "Persentase Kehadiran (%)", "JP"]
    );
    let ahmad = &rows[1];
    assert!(ahmad.starts_with("1,198503"), "{ahmad}");
    assert!(
        ahmad.ends_with(
            ",Ahmad Fauzi,\"Lapas Kelas IIA, Palangka Raya\",Hadir,Hadir,Hadir,Hadir,Alpa,4,80,8"
        ),
        "{ahmad}"
    );
    // Budi's name would be a formula: neutralised, and still quoted correctly.
    assert!(
        rows.iter()
            .any(|r| r.contains(",\"'=HYPERLINK(\"\"http://x\"\")\",")),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.contains("Terlambat")),
        "Citra was late once"
    );

    let audit = audit_rows(&app);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "export.attendance");
    assert_eq!(audit[0].resource_type, "event");
    assert_eq!(audit[0].resource_id, Some(s.event));
    assert_eq!(audit[0].actor_user_id, Some(organizer.id));
}

#[tokio::test]
async fn the_score_export_writes_numbers_as_numbers_and_outcomes_in_indonesian() {
    let app = spawn_app().await;
    let unit = app.seed_unit("EXP2");
    let s = scenario(&app, unit);
    // A negative gain must stay a number.
    app.db()
        .batch_execute(&format!(
            "UPDATE scores SET score = 75 WHERE enrollment_id = '{}' AND kind = 'pre_test'",
            s.officers[1].1
        ))
        .unwrap();
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{}/exports/scores.csv", s.event),
            &admin,
            None,
        )
        .await;
    let (headers, rows) = csv(response).await;
    assert!(header(&headers, "content-disposition").contains("filename=\"rekap-nilai-"));
    assert_eq!(
        rows[0],
        "No,NIP,Nama,Unit Kerja,Pre-test,Post-test,Gain,Gain Ternormalisasi,Praktik,Kehadiran (%),JP,Hasil"
    );
    assert!(
        rows[1].ends_with(",40,70,30,0.5,,80,8,Sertifikat"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].ends_with(",75,60,-15,-0.6,,100,10,Surat Keterangan"),
        "{}",
        rows[2]
    );
    assert!(
        rows[3].ends_with(",,95,,,,60,6,Tidak Memenuhi Syarat"),
        "{}",
        rows[3]
    );
    assert!(
        rows[4].ends_with(",,,,,88,100,10,Surat Keterangan"),
        "{}",
        rows[4]
    );
}

#[tokio::test]
async fn the_evaluation_export_has_no_officer_for_anonymous_instruments() {
    let app = spawn_app().await;
    let unit = app.seed_unit("EXP3");
    let s = scenario(&app, unit);
    seed_evaluations(&app, &s);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{}/exports/evaluations.csv", s.event),
            &admin,
            None,
        )
        .await;
    let (_, rows) = csv(response).await;
    assert!(rows[0].starts_with("Instrumen,Jenis,Sesi,Narasumber,ID Respon,Responden,NIP,Nama,"));
    // 3 responses x 3 questions, 2 x 2, 1 x 1, and the header.
    assert_eq!(rows.len(), 1 + 9 + 4 + 1, "{rows:?}");
    let anonymous: Vec<&String> = rows
        .iter()
        .filter(|r| r.starts_with("Evaluasi Penyelenggaraan,"))
        .collect();
    assert_eq!(anonymous.len(), 9);
    for row in &anonymous {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!((cells[6], cells[7]), ("", ""), "no NIP or name: {row}");
    }
    assert!(
        rows.iter().any(|r| r.contains(",\"'=cmd()\"")),
        "a comment that is a formula is neutralised"
    );
    let named: Vec<&String> = rows.iter().filter(|r| r.contains("Ahmad Fauzi")).collect();
    assert_eq!(
        named.len(),
        3,
        "Ahmad's facilitator evaluation (2 questions) and follow-up"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("Evaluasi Pasca Pelatihan,,,") && r.contains(",Alumni,"))
    );
    // Indonesian values, not the API's identifiers: respondents and question types.
    for row in &rows[1..] {
        let cells: Vec<&str> = row.split(',').collect();
        assert!(["Peserta", "Alumni"].contains(&cells[5]), "{row}");
        assert!(["Skala Likert", "Isian Teks"].contains(&cells[12]), "{row}");
    }
    assert!(
        !rows
            .iter()
            .any(|r| r.contains(",participant,") || r.contains(",likert,")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn an_export_of_many_officers_streams_across_pages_without_gaps_or_repeats() {
    let app = spawn_app().await;
    let unit = app.seed_unit("EXP4");
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
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{event}/exports/scores.csv"),
            &admin,
            None,
        )
        .await;
    assert!(
        response.headers().get("content-length").is_none(),
        "streamed, not sized up front"
    );
    let (_, rows) = csv(response).await;
    assert_eq!(rows.len(), 1 + 1203);
    for (i, row) in rows[1..].iter().enumerate() {
        let n = i + 1;
        assert!(row.starts_with(&format!("{n},")), "row {n}: {row}");
        assert!(row.contains(&format!(",Petugas {n:04},")), "row {n}: {row}");
    }
}

#[tokio::test]
async fn exports_are_for_the_events_managers_and_unknown_names_are_404() {
    let app = spawn_app().await;
    let unit = app.seed_unit("EXP5");
    let s = scenario(&app, unit);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let path = |name: &str| format!("/api/v1/events/{}/exports/{name}", s.event);
    let response = app
        .send(Method::GET, &path("certificates.csv"), &admin, None)
        .await;
    assert_problem(response, 404, "not_found").await;
    for name in ["attendance.ods", "attendance"] {
        let response = app.send(Method::GET, &path(name), &admin, None).await;
        assert_problem(response, 404, "route_not_found").await;
    }
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{}/exports/attendance.csv", Uuid::new_v4()),
            &admin,
            None,
        )
        .await;
    assert_problem(response, 404, "not_found").await;
    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(s.sessions[0], facilitator.id);
    for token in [
        facilitator_token,
        app.user_with_token(Role::UnitOperator).await.1,
    ] {
        let response = app
            .send(Method::GET, &path("attendance.csv"), &token, None)
            .await;
        assert_problem(response, 403, "forbidden").await;
    }
    assert_eq!(
        app.count(crate::helpers::EXPLICIT_AUDIT),
        0,
        "a refused export is not recorded"
    );
}
