//! The daftar hadir PDF: read back with the PDF library, every officer of a 500-officer event on the pages its
//! layout gives, the header on every page, the statuses only in the filled sheet, the event's sheet one section per
//! session, and who may print it.

use bimtek_api::documents::attendance_sheet::{
    FOOT_ROWS, KEEP_WITH_FOOT, ROWS_FIRST_PAGE, ROWS_NEXT_PAGE,
};
use bimtek_api::domain::role::Role;
use diesel::prelude::*;
use diesel::sql_query;
use reqwest::Method;
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, pdf_pages_text, spawn_app};

const LABELS: [&str; 5] = ["Hadir", "Terlambat", "Izin", "Sakit", "Alpa"];

/// The pages of a section of `rows` officers, from the layout's constants: full pages, and the foot on the last
/// one, which takes the last rows with it to a page of its own when it does not fit under them.
fn expected_pages(rows: usize) -> usize {
    let (mut pages, mut left, mut capacity) = (1, rows, ROWS_FIRST_PAGE);
    loop {
        if left + FOOT_ROWS <= capacity {
            return pages;
        }
        if left <= capacity {
            const { assert!(KEEP_WITH_FOOT + FOOT_ROWS <= ROWS_NEXT_PAGE) };
            return pages + 1;
        }
        left -= capacity;
        capacity = ROWS_NEXT_PAGE;
        pages += 1;
    }
}

/// An ongoing event with one session at a named place and `n` approved officers of one unit with a long name.
struct Sheet {
    event: Uuid,
    session: Uuid,
    unit: Uuid,
    officers: Vec<(Uuid, Uuid)>,
}

fn seed(app: &TestApp, n: usize) -> Sheet {
    let event = app.seed_event("ongoing", 1000);
    let session = app.seed_session(event, -60, 30, 2);
    let unit = app.seed_unit(&format!(
        "S{}",
        &Uuid::new_v4().simple().to_string()[..8].to_uppercase()
    ));
    sql_query("UPDATE units SET name = 'Lembaga Pemasyarakatan Narkotika Kelas IIA Kasongan' WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(unit)
        .execute(&mut app.db())
        .unwrap();
    sql_query("UPDATE sessions SET title = 'Seminar Rehabilitasi Sosial', location = 'Aula Lapas' WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(session)
        .execute(&mut app.db())
        .unwrap();
    let officers = app.seed_approved_officers(event, unit, n, "Petugas", "1970-01-01");
    Sheet {
        event,
        session,
        unit,
        officers,
    }
}

async fn get_pdf(app: &TestApp, path: &str, token: &str) -> Vec<Vec<String>> {
    let response = app.send(Method::GET, path, token, None).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with(
            "inline; filename=\"daftar-hadir-orientasi-lapangan-pm-rehabilitasi-sosial-"
        ),
        "{disposition}"
    );
    let bytes = response.bytes().await.unwrap();
    if let Ok(dir) = std::env::var("ATTENDANCE_SHEET_OUT") {
        let name = path.replace(['/', '?', '='], "_");
        std::fs::write(format!("{dir}/{name}.pdf"), &bytes).unwrap();
    }
    let parsed = printpdf::PdfDocument::parse(&bytes, &Default::default(), &mut Vec::new())
        .expect("a readable PDF");
    for page in &parsed.pages {
        // A4 portrait: 210 x 297 mm.
        assert!((page.media_box.width.0 - 595.3).abs() < 1.0);
        assert!((page.media_box.height.0 - 841.9).abs() < 1.0);
    }
    pdf_pages_text(&bytes)
        .into_iter()
        .map(|page| page.lines().map(str::to_owned).collect())
        .collect()
}

fn set_status(app: &TestApp, session: Uuid, officer: (Uuid, Uuid), status: &str) {
    sql_query(
        "INSERT INTO attendance (session_id, enrollment_id, participant_id, status, method)
         VALUES ($1, $2, $3, $4, 'manual')",
    )
    .bind::<diesel::sql_types::Uuid, _>(session)
    .bind::<diesel::sql_types::Uuid, _>(officer.1)
    .bind::<diesel::sql_types::Uuid, _>(officer.0)
    .bind::<diesel::sql_types::Text, _>(status)
    .execute(&mut app.db())
    .unwrap();
}

#[tokio::test]
async fn a_blank_sheet_of_500_officers_names_everyone_once_on_the_pages_its_layout_gives() {
    let app = spawn_app().await;
    let s = seed(&app, 500);
    let (_, organizer) = app.organizer_of(s.event).await;
    // a recorded status stays off the blank sheet
    set_status(&app, s.session, s.officers[0], "sick");

    let pages = get_pdf(
        &app,
        &format!("/api/v1/sessions/{}/attendance-sheet.pdf", s.session),
        &organizer,
    )
    .await;
    let expected = expected_pages(500);
    assert!(expected > 2, "500 officers take more than two pages");
    assert_eq!(pages.len(), expected);
    let first = &pages[0];
    for line in [
        "DAFTAR HADIR",
        "Orientasi Lapangan PM Rehabilitasi Sosial",
        "Seminar Rehabilitasi Sosial",
        "Aula Lapas",
    ] {
        assert!(first.iter().any(|l| l == line), "{line} not in {first:?}");
    }
    assert!(
        first.iter().any(|l| l.ends_with(" WIB")),
        "the time in WIB: {first:?}"
    );
    for (i, page) in pages.iter().enumerate() {
        // the table's header on every page, and its number
        for column in ["No", "Nama", "NIP", "Jabatan", "Tanda Tangan"] {
            assert!(
                page.iter().any(|l| l == column),
                "{column} not on page {}",
                i + 1
            );
        }
        let number = format!("Halaman {} dari {expected}", i + 1);
        assert!(page.contains(&number), "{number}");
    }
    let all: Vec<&String> = pages.iter().flatten().collect();
    for n in 1..=500 {
        let name = format!("Petugas {n:03}");
        assert_eq!(
            all.iter().filter(|l| ***l == name).count(),
            1,
            "{name} once"
        );
    }
    // in name order, numbered from 1, with the full NIP, rank and grade
    let position = |text: &str| all.iter().position(|l| *l == text).unwrap();
    assert!(position("Petugas 001") < position("Petugas 002"));
    assert!(position("Petugas 499") < position("Petugas 500"));
    assert!(all.iter().any(|l| *l == "197001022010011001"));
    assert!(all.iter().any(|l| l.contains("III/a")));
    assert!(all.iter().any(|l| *l == "500."));
    // the signature block on the last page only, and no status anywhere
    let last = pages.last().unwrap();
    assert!(last.iter().any(|l| l == "Panitia Penyelenggara,"));
    assert!(last.iter().any(|l| l == "Jumlah peserta: 500"));
    assert!(!pages[0].iter().any(|l| l == "Panitia Penyelenggara,"));
    for label in LABELS {
        assert!(
            !all.iter().any(|l| *l == label),
            "{label} on the blank sheet"
        );
        assert!(!all.iter().any(|l| l.contains(&format!("{label}:"))));
    }
    assert_eq!(
        app.count(
            "audit_log WHERE action = 'export.attendance_sheet' AND resource_type = 'session'"
        ),
        1
    );
}

#[tokio::test]
async fn a_filled_sheet_prints_each_recorded_status_and_the_tally() {
    let app = spawn_app().await;
    let s = seed(&app, 7);
    let (_, admin) = app.user_with_token(Role::Admin).await;
    for (officer, status) in s
        .officers
        .iter()
        .zip(["present", "late", "excused", "sick", "absent", "present"])
    {
        set_status(&app, s.session, *officer, status);
    }

    let path = format!("/api/v1/sessions/{}/attendance-sheet.pdf", s.session);
    let pages = get_pdf(&app, &format!("{path}?filled=true"), &admin).await;
    assert_eq!(pages.len(), expected_pages(7));
    let all: Vec<&String> = pages.iter().flatten().collect();
    let count = |text: &str| all.iter().filter(|l| **l == text).count();
    assert_eq!(count("Hadir"), 2);
    for label in ["Terlambat", "Izin", "Sakit", "Alpa"] {
        assert_eq!(count(label), 1, "{label}");
    }
    let tally = all
        .iter()
        .find(|l| l.starts_with("Jumlah peserta: 7"))
        .unwrap();
    for part in [
        "Hadir: 2",
        "Terlambat: 1",
        "Izin: 1",
        "Sakit: 1",
        "Alpa: 1",
        "Belum dicatat: 1",
    ] {
        assert!(tally.contains(part), "{part} in {tally}");
    }

    // the same sheet blank, explicitly and by default
    for query in ["?filled=false", ""] {
        let pages = get_pdf(&app, &format!("{path}{query}"), &admin).await;
        let all: Vec<&String> = pages.iter().flatten().collect();
        for label in LABELS {
            assert!(!all.iter().any(|l| *l == label), "{label} with {query:?}");
        }
    }
    let response = app
        .send(Method::GET, &format!("{path}?filled=maybe"), &admin, None)
        .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn the_event_sheet_has_one_section_per_session_each_numbered_on_its_own() {
    let app = spawn_app().await;
    let s = seed(&app, 30);
    let second = app.seed_session(s.event, 120, 180, 2);
    set_status(&app, second, s.officers[3], "excused");
    let (_, organizer) = app.organizer_of(s.event).await;

    let pages = get_pdf(
        &app,
        &format!(
            "/api/v1/events/{}/attendance-sheet.pdf?filled=true",
            s.event
        ),
        &organizer,
    )
    .await;
    let per_section = expected_pages(30);
    assert_eq!(pages.len(), 2 * per_section);
    let all: Vec<&String> = pages.iter().flatten().collect();
    assert_eq!(all.iter().filter(|l| **l == "DAFTAR HADIR").count(), 2);
    assert_eq!(
        all.iter()
            .filter(|l| **l == &format!("Halaman 1 dari {per_section}"))
            .count(),
        2
    );
    assert_eq!(all.iter().filter(|l| **l == "Petugas 030").count(), 2);
    // the first session (by start) first, then the second with its own status
    let first_section: Vec<&String> = pages[..per_section].iter().flatten().collect();
    assert!(
        first_section
            .iter()
            .any(|l| *l == "Seminar Rehabilitasi Sosial")
    );
    assert!(!first_section.iter().any(|l| *l == "Izin"));
    let second_section: Vec<&String> = pages[per_section..].iter().flatten().collect();
    assert!(second_section.iter().any(|l| *l == "Seminar"));
    assert_eq!(second_section.iter().filter(|l| **l == "Izin").count(), 1);
}

#[tokio::test]
async fn the_organizer_who_prints_it_signs_it_with_name_and_nip() {
    let app = spawn_app().await;
    let s = seed(&app, 3);
    let (organizer, token) = app.organizer_of(s.event).await;
    let officer = app.seed_participant(s.unit, "Rina Kartika");
    let nip: String = {
        use bimtek_api::schema::{participants, users};
        diesel::update(users::table.find(organizer.id))
            .set((
                users::participant_id.eq(officer),
                users::display_name.eq("Rina Kartika, S.Psi."),
            ))
            .execute(&mut app.db())
            .unwrap();
        participants::table
            .find(officer)
            .select(participants::nip.assume_not_null())
            .first(&mut app.db())
            .unwrap()
    };
    let pages = get_pdf(
        &app,
        &format!("/api/v1/sessions/{}/attendance-sheet.pdf", s.session),
        &token,
    )
    .await;
    let last = pages.last().unwrap();
    assert!(last.iter().any(|l| l == "Rina Kartika, S.Psi."), "{last:?}");
    assert!(last.contains(&format!("NIP. {nip}")), "{last:?}");
}

#[tokio::test]
async fn managers_and_facilitators_print_it_and_nobody_else_does() {
    let app = spawn_app().await;
    let s = seed(&app, 4);
    let path = format!("/api/v1/sessions/{}/attendance-sheet.pdf", s.session);
    let event_path = format!("/api/v1/events/{}/attendance-sheet.pdf", s.event);

    // the facilitator of a session prints it, with the NIPs masked
    let (facilitator, facilitator_token) = app.user_with_token(Role::Facilitator).await;
    app.add_facilitator(s.session, facilitator.id);
    for p in [&path, &event_path] {
        let pages = get_pdf(&app, p, &facilitator_token).await;
        let all: Vec<&String> = pages.iter().flatten().collect();
        assert!(all.iter().any(|l| *l == "Petugas 001"));
        assert!(all.iter().any(|l| *l == "1970**********1001"), "{all:?}");
        assert!(!all.iter().any(|l| *l == "197001022010011001"));
    }
    // ...and only the sessions they lead: another session of the event is theirs neither alone nor in the
    // event's sheet
    let other_session = app.seed_session(s.event, 120, 180, 2);
    sql_query("UPDATE sessions SET title = 'Diskusi Kelompok Lain' WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(other_session)
        .execute(&mut app.db())
        .unwrap();
    let other_path = format!("/api/v1/sessions/{other_session}/attendance-sheet.pdf");
    let response = app
        .send(Method::GET, &other_path, &facilitator_token, None)
        .await;
    assert_problem(response, 403, "forbidden").await;
    let pages = get_pdf(&app, &event_path, &facilitator_token).await;
    let all: Vec<&String> = pages.iter().flatten().collect();
    assert!(
        all.iter().any(|l| *l == "Seminar Rehabilitasi Sosial"),
        "{all:?}"
    );
    assert!(
        !all.iter().any(|l| l.contains("Diskusi Kelompok Lain")),
        "{all:?}"
    );

    // the operator of another unit, a participant, another event's organizer and facilitator: 403
    let (_, operator) = app.user_with_token(Role::UnitOperator).await;
    let (_, other_organizer) = app.user_with_token(Role::Organizer).await;
    let (_, other_facilitator) = app.user_with_token(Role::Facilitator).await;
    let (_, _, participant) = app.participant_account(s.unit, "Peserta Lain").await;
    for token in [
        &operator,
        &other_organizer,
        &other_facilitator,
        &participant,
    ] {
        for p in [&path, &event_path] {
            let response = app.send(Method::GET, p, token, None).await;
            assert_problem(response, 403, "forbidden").await;
        }
    }
    // not even the operator of the officers' own unit: they see only part of the list
    let own_operator = app.seed_user(Role::UnitOperator);
    sql_query("UPDATE users SET unit_id = $1 WHERE id = $2")
        .bind::<diesel::sql_types::Uuid, _>(s.unit)
        .bind::<diesel::sql_types::Uuid, _>(own_operator.id)
        .execute(&mut app.db())
        .unwrap();
    let own_operator = app.token_for(&own_operator).await;
    let response = app.send(Method::GET, &path, &own_operator, None).await;
    assert_problem(response, 403, "forbidden").await;

    // without a token: 401
    for p in [&path, &event_path] {
        let response = app.client.get(app.url(p)).send().await.unwrap();
        assert_problem(response, 401, "unauthorized").await;
    }

    // unknown session or event: 404
    let (_, admin) = app.user_with_token(Role::Admin).await;
    let unknown = Uuid::new_v4();
    for p in [
        format!("/api/v1/sessions/{unknown}/attendance-sheet.pdf"),
        format!("/api/v1/events/{unknown}/attendance-sheet.pdf"),
    ] {
        let response = app.send(Method::GET, &p, &admin, None).await;
        assert_problem(response, 404, "not_found").await;
    }

    // an event without sessions has no sheet to print
    let empty = app.seed_event("ongoing", 10);
    let response = app
        .send(
            Method::GET,
            &format!("/api/v1/events/{empty}/attendance-sheet.pdf"),
            &admin,
            None,
        )
        .await;
    assert_problem(response, 409, "no_sessions").await;

    // a draft event's sheet exists only for its managers
    app.set_event_status(s.event, "draft");
    let response = app.send(Method::GET, &path, &facilitator_token, None).await;
    assert_problem(response, 404, "not_found").await;
    let response = app.send(Method::GET, &path, &admin, None).await;
    assert_eq!(response.status(), 200);
}
