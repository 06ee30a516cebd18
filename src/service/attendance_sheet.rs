//! The daftar hadir as a PDF, for one session or for every session of an event: blank (to sign on the day) or
//! filled (with the statuses recorded). Who may print it: the event's managers, and a facilitator for the sessions
//! they lead, as for the attendance list (`service::attendance::read_scope`); a unit operator or a participant,
//! who see only part of a list, cannot print the whole sheet (403). The sheet carries full NIPs for the managers
//! and masked ones for facilitators (who never see a full NIP). Every print is recorded in the audit log
//! (`export.attendance_sheet`, with the session or event) by an explicit insert; no table with triggers is written.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db;
use crate::documents::attendance_sheet::{self as pdf, Row, Section, Sheet, Signatory};
use crate::documents::{Fonts, Letterhead};
use crate::domain::certificate::{hari_tanggal, tanggal, wib, wib_date};
use crate::domain::csv::{percent_encode, slugs};
use crate::domain::enums::AttendanceStatus;
use crate::domain::grade::pangkat_golongan;
use crate::domain::nip;
use crate::error::ApiError;
use crate::repo::access as access_repo;
use crate::repo::attendance_sheet::{self as repo, EventHead, OfficerRow, SessionHead};
use crate::repo::audit::{self, NewAuditEntry};
use crate::service::attendance::read_scope;
use crate::service::{DbPool, Input, Permit, access, letterhead};

/// How the sheet is printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct SheetOptions {
    /// The recorded statuses in the signature cells (after the session), or empty cells (before it).
    pub filled: bool,
}

/// A rendered sheet and its file names.
#[derive(Debug)]
pub struct SheetPdf {
    /// `daftar-hadir-<event>[-<session>]-<date>.pdf`, ASCII.
    pub file_name: String,
    /// The same with the titles' own letters, percent-encoded for `filename*`.
    pub file_name_encoded: String,
    pub bytes: Vec<u8>,
}

/// What is printed, read in one hop.
struct Loaded {
    event: EventHead,
    sessions: Vec<SessionHead>,
    officers: Vec<OfficerRow>,
    statuses: HashMap<(Uuid, Uuid), AttendanceStatus>,
    signatory: Signatory,
    letterhead: Letterhead,
    /// Full NIPs (the event's managers) or masked ones (facilitators).
    full_nips: bool,
    /// The sheet of one session (named after it), or of the whole event.
    for_session: bool,
}

enum Target {
    Session(Uuid),
    Event(Uuid),
}

/// The sheet of one session.
pub async fn session(
    pool: &DbPool,
    user: &AuthUser,
    fonts: Arc<Fonts>,
    session_id: Uuid,
    options: Input<SheetOptions>,
) -> Result<SheetPdf, ApiError> {
    sheet(pool, user, fonts, Target::Session(session_id), options).await
}

/// The sheets of every session of an event, one after the other, each on its own pages.
pub async fn event(
    pool: &DbPool,
    user: &AuthUser,
    fonts: Arc<Fonts>,
    event_id: Uuid,
    options: Input<SheetOptions>,
) -> Result<SheetPdf, ApiError> {
    sheet(pool, user, fonts, Target::Event(event_id), options).await
}

async fn sheet(
    pool: &DbPool,
    user: &AuthUser,
    fonts: Arc<Fonts>,
    target: Target,
    options: Input<SheetOptions>,
) -> Result<SheetPdf, ApiError> {
    let actor = user.clone();
    let (loaded, options) = db::run(pool, move |conn| {
        let loaded = load(conn, &actor, &target)?;
        let options = options.open(&Permit::granted())?;
        let (resource_type, resource_id) = match target {
            Target::Session(id) => ("session", id),
            Target::Event(id) => ("event", id),
        };
        audit::record(
            conn,
            &[NewAuditEntry {
                actor_user_id: Some(actor.id),
                actor_client_id: actor.client_id,
                actor_role: Some(actor.role.as_str().to_owned()),
                action: "export.attendance_sheet".to_owned(),
                resource_type: resource_type.to_owned(),
                resource_id: Some(resource_id),
                participant_id: None,
                changes: json!({"filled": options.filled, "full_nips": loaded.full_nips}),
                // A sheet with full NIPs names its officers (UU 27/2022 art. 31); masked ones show none.
                participant_ids: if loaded.full_nips {
                    loaded
                        .officers
                        .iter()
                        .filter(|o| o.erased_at.is_none())
                        .map(|o| o.participant_id)
                        .collect()
                } else {
                    Vec::new()
                },
                request_id: crate::context::current().and_then(|c| c.request_id),
            }],
        )?;
        Ok((loaded, options))
    })
    .await?;
    tracing::info!(event.id = %loaded.event.id, actor.id = %user.id, sessions = loaded.sessions.len(),
        officers = loaded.officers.len(), filled = options.filled, "attendance sheet printed");
    let (file_name, file_name_encoded) = file_names(&loaded);
    let bytes = actix_web::web::block(move || pdf::render(&fonts, &compose(loaded, options)))
        .await?
        .map_err(ApiError::internal)?;
    Ok(SheetPdf {
        file_name,
        file_name_encoded,
        bytes,
    })
}

/// Checks the caller and reads everything the sheet prints. A draft event is hidden (404) from all but its
/// managers; those who see only part of the list are refused (403).
fn load(conn: &mut PgConnection, user: &AuthUser, target: &Target) -> Result<Loaded, ApiError> {
    let (event_id, sessions, not_found) = match target {
        Target::Session(id) => {
            let session =
                repo::session_head(conn, *id)?.ok_or_else(|| ApiError::not_found("Session"))?;
            (
                session.event_id,
                Some(session),
                ApiError::not_found("Session"),
            )
        }
        Target::Event(id) => (*id, None, ApiError::not_found("Event")),
    };
    let Some(event) = repo::event_head(conn, event_id)? else {
        return Err(not_found);
    };
    if access::hides_draft(conn, user, event_id, event.status.as_str())? {
        return Err(not_found);
    }
    let (scope, led_by) = read_scope(conn, user, event_id)?;
    if scope.unit_id.is_some() || scope.participant_id.is_some() {
        return Err(ApiError::forbidden());
    }
    let full_nips = access::manages_event(conn, user, event_id)?;
    let for_session = sessions.is_some();
    let mut sessions = match sessions {
        Some(session) => vec![session],
        None => repo::sessions_of(conn, event_id)?,
    };
    // A facilitator prints the sessions they lead, nothing more (least privilege).
    if let Some(facilitator) = led_by {
        let mut led = Vec::with_capacity(sessions.len());
        for session in sessions {
            if access_repo::leads_session(conn, session.id, facilitator)? {
                led.push(session);
            }
        }
        if for_session && led.is_empty() {
            return Err(ApiError::forbidden());
        }
        sessions = led;
    }
    if sessions.is_empty() {
        return Err(ApiError::conflict(
            "no_sessions",
            "The event has no sessions yet: there is no attendance sheet to print.",
        ));
    }
    let officers = repo::officers(conn, event_id)?;
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let statuses = repo::statuses(conn, &ids)?
        .into_iter()
        .map(|(session, enrollment, status)| ((session, enrollment), status))
        .collect();
    let organizers = repo::organizers(conn, event_id)?;
    // The organizer who prints the sheet signs it; for anybody else, the first of the event's organizers.
    let signer = organizers
        .iter()
        .find(|o| o.user_id == user.id)
        .or(organizers.first());
    let signatory = signer.map_or_else(Signatory::default, |o| Signatory {
        name: o.display_name.clone().or_else(|| o.officer_name.clone()),
        nip: o.officer_nip.as_deref().map(|n| {
            if full_nips {
                n.to_owned()
            } else {
                nip::mask(n)
            }
        }),
    });
    let letterhead = letterhead::for_unit(conn, event.host_unit_id)?.drawable()?;
    Ok(Loaded {
        event,
        sessions,
        officers,
        statuses,
        signatory,
        letterhead,
        full_nips,
        for_session,
    })
}

/// `08.00 - 09.30 WIB`.
fn waktu(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    let (start, end) = (
        starts_at.with_timezone(&wib()),
        ends_at.with_timezone(&wib()),
    );
    if start.date_naive() == end.date_naive() {
        format!("{} - {} WIB", start.format("%H.%M"), end.format("%H.%M"))
    } else {
        format!(
            "{} - {}, {} WIB",
            start.format("%H.%M"),
            tanggal(end.date_naive()),
            end.format("%H.%M")
        )
    }
}

fn or_dash(value: Option<String>) -> String {
    value
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "-".to_owned())
}

fn compose(loaded: Loaded, options: SheetOptions) -> Sheet {
    let Loaded {
        event,
        sessions,
        officers,
        statuses,
        signatory,
        letterhead,
        full_nips,
        ..
    } = loaded;
    let rows: Vec<Row> = officers
        .iter()
        .map(|o| {
            let erased = o.erased_at.is_some();
            Row {
                name: if erased {
                    "Peserta terhapus".to_owned()
                } else {
                    o.full_name.clone()
                },
                nip: or_dash(o.nip.as_deref().filter(|_| !erased).map(|n| {
                    if full_nips {
                        n.to_owned()
                    } else {
                        nip::mask(n)
                    }
                })),
                pangkat: or_dash(o.grade.filter(|_| !erased).map(pangkat_golongan)),
                jabatan: or_dash(o.position.clone().filter(|_| !erased)),
                unit: o.unit_name.clone(),
                status: None,
            }
        })
        .collect();
    let sections = sessions
        .iter()
        .map(|session| {
            let date = wib_date(session.starts_at);
            Section {
                session_title: session.title.clone(),
                day_date: hari_tanggal(date),
                time: waktu(session.starts_at, session.ends_at),
                place: session
                    .location
                    .clone()
                    .filter(|l| !l.trim().is_empty())
                    .unwrap_or_else(|| event.host_unit_name.clone()),
                place_and_date: format!("{}, {}", event.host_unit_name, tanggal(date)),
                rows: rows
                    .iter()
                    .zip(&officers)
                    .map(|(row, officer)| Row {
                        status: statuses.get(&(session.id, officer.enrollment_id)).copied(),
                        ..row.clone()
                    })
                    .collect(),
            }
        })
        .collect();
    Sheet {
        letterhead,
        created_at: Utc::now(),
        event_title: event.title,
        filled: options.filled,
        signatory,
        sections,
    }
}

fn file_names(loaded: &Loaded) -> (String, String) {
    let (event_ascii, event_unicode) = slugs(&loaded.event.title);
    let (name, encoded) = match loaded.sessions.as_slice() {
        [session] if loaded.for_session => {
            let (ascii, unicode) = slugs(&session.title);
            let date = wib_date(session.starts_at);
            (
                format!("daftar-hadir-{event_ascii}-{ascii}-{date}.pdf"),
                format!("daftar-hadir-{event_unicode}-{unicode}-{date}.pdf"),
            )
        }
        _ => {
            let date = loaded.event.starts_on;
            (
                format!("daftar-hadir-{event_ascii}-{date}.pdf"),
                format!("daftar-hadir-{event_unicode}-{date}.pdf"),
            )
        }
    };
    (name, percent_encode(&encoded))
}
