//! Calendar feeds (RFC 5545, built with the `icalendar` crate): the sessions of an officer, a facilitator or an
//! event as VEVENTs a calendar application subscribes to.
//!
//! Each VEVENT has a stable `UID` (`session-<id>@bimtek-api`), `DTSTAMP` and `LAST-MODIFIED` (the last change of
//! the session or its event), a `SEQUENCE` that grows with each change of either (their versions), `STATUS` (
//! `CANCELLED` once the event is cancelled), the times in `Asia/Jakarta` (WIB) with the `VTIMEZONE` RFC 5545 asks
//! for beside them, the place, and in the description the JP and the check-in window. Nothing about a person: no
//! name, NIP or contact. The crate builds no `VTIMEZONE`, so the fixed one of WIB (UTC+7 all year, no daylight
//! saving since 1964) is placed before the first event of the rendered text.

use chrono::{DateTime, Utc};
use icalendar::{
    Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus as IcalStatus, Property,
};
use uuid::Uuid;

use crate::domain::certificate::wib;

/// The time zone of every time in the feeds.
pub const TZID: &str = "Asia/Jakarta";

const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Jakarta\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
TZOFFSETFROM:+0700\r\nTZOFFSETTO:+0700\r\nTZNAME:WIB\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

/// One session of a feed.
#[derive(Debug, Clone)]
pub struct FeedSession {
    pub id: Uuid,
    pub title: String,
    pub event_title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The session's place, or else the host unit.
    pub location: String,
    pub jp: i16,
    pub cancelled: bool,
    /// Grows with every change of the session or its event.
    pub sequence: u32,
    /// The last change of the session or its event.
    pub changed_at: DateTime<Utc>,
}

/// How long before a session check-in opens, and after its start a check-in is late (the attendance rules).
#[derive(Debug, Clone, Copy)]
pub struct CheckInWindow {
    pub opens_before_minutes: i64,
    pub late_after_minutes: i64,
}

fn wib_time(at: DateTime<Utc>) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: at.with_timezone(&wib()).naive_local(),
        tzid: TZID.to_owned(),
    }
}

/// The feed named `name` of `sessions`, as the text of an `.ics` file.
pub fn render(name: &str, sessions: &[FeedSession], window: CheckInWindow) -> String {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new(
            "PRODID",
            "-//Kanwil Ditjenpas//bimtek-api//ID",
        ))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(
            Property::new("REFRESH-INTERVAL", "PT1H")
                .add_parameter("VALUE", "DURATION")
                .done(),
        )
        .append_property(Property::new("X-PUBLISHED-TTL", "PT1H"))
        .name(name)
        .timezone(TZID);
    for s in sessions {
        let description = format!(
            "Kegiatan: {}\nJP: {}\nPresensi: dibuka {} menit sebelum sesi dimulai; lewat {} menit setelah mulai \
             dicatat terlambat.",
            s.event_title, s.jp, window.opens_before_minutes, window.late_after_minutes
        );
        let event = Event::new()
            .uid(&format!("session-{}@bimtek-api", s.id))
            .timestamp(s.changed_at)
            .last_modified(s.changed_at)
            .sequence(s.sequence)
            .summary(&format!("{} — {}", s.title, s.event_title))
            .description(&description)
            .location(&s.location)
            .starts(wib_time(s.starts_at))
            .ends(wib_time(s.ends_at))
            .status(if s.cancelled {
                IcalStatus::Cancelled
            } else {
                IcalStatus::Confirmed
            })
            .done();
        calendar.push(event);
    }
    let text = calendar.to_string();
    let at = text
        .find("BEGIN:VEVENT")
        .or_else(|| text.find("END:VCALENDAR"))
        .unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + VTIMEZONE.len());
    out.push_str(&text[..at]);
    out.push_str(VTIMEZONE);
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn session(cancelled: bool) -> FeedSession {
        FeedSession {
            id: Uuid::from_u128(7),
            title: "Seminar".into(),
            event_title: "Orientasi Lapangan".into(),
            starts_at: Utc
                .with_ymd_and_hms(2025, 8, 2, 1, 0, 0)
                .single()
                .unwrap_or_default(),
            ends_at: Utc
                .with_ymd_and_hms(2025, 8, 2, 3, 0, 0)
                .single()
                .unwrap_or_default(),
            location: "Aula, Lapas Narkotika".into(),
            jp: 2,
            cancelled,
            sequence: 3,
            changed_at: Utc
                .with_ymd_and_hms(2025, 7, 30, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        }
    }

    const WINDOW: CheckInWindow = CheckInWindow {
        opens_before_minutes: 30,
        late_after_minutes: 15,
    };

    #[test]
    fn a_session_is_a_vevent_in_wib_with_its_timezone() {
        let text = render("Jadwal", &[session(false)], WINDOW);
        assert!(
            text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
            "{text}"
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        let tz = text.find("BEGIN:VTIMEZONE").unwrap_or(usize::MAX);
        let ev = text.find("BEGIN:VEVENT").unwrap_or(0);
        assert!(tz < ev, "the VTIMEZONE comes first");
        assert!(
            text.contains("DTSTART;TZID=Asia/Jakarta:20250802T080000\r\n"),
            "{text}"
        );
        assert!(text.contains("DTEND;TZID=Asia/Jakarta:20250802T100000\r\n"));
        assert!(text.contains("UID:session-00000000-0000-0000-0000-000000000007@bimtek-api\r\n"));
        assert!(text.contains("SEQUENCE:3\r\n"));
        assert!(text.contains("STATUS:CONFIRMED\r\n"));
        assert!(
            text.contains("LOCATION:Aula\\, Lapas Narkotika\r\n"),
            "escaped: {text}"
        );
        assert!(text.contains("DTSTAMP:20250730T000000Z\r\n"), "{text}");
        assert!(text.contains("JP: 2"));
        assert!(text.lines().all(|l| l.len() <= 75), "folded lines: {text}");
        let cancelled = render("Jadwal", &[session(true)], WINDOW);
        assert!(cancelled.contains("STATUS:CANCELLED\r\n"));
        let empty = render("Jadwal", &[], WINDOW);
        assert!(empty.contains("END:VTIMEZONE\r\nEND:VCALENDAR\r\n"));
    }
}
