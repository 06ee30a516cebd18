//! The calendar rule of an event's lifecycle: an event is started (`published -> ongoing`) from its first day,
//! `starts_on`, and completed (`ongoing -> completed`) from its last day, `ends_on`. Both are days in WIB (UTC+7,
//! the office's time zone), so "today" is the WIB date of the clock (`certificate::wib_date`). There is no upper
//! bound: an organizer who records an event after the fact starts and completes it with the same calls, on or
//! after those days. Publishing and cancelling have no date rule.
//!
//! After the event: follow-ups (Kirkpatrick level 3) and evaluations of the event and of its facilitators can still
//! be created, opened, changed and answered once the event is completed, until the window closes: the last day is
//! `ends_on` plus `FOLLOW_UP_WINDOW_MONTHS` (12 by default) calendar months, clamped to the month's end (an event
//! ending on 31 August 2025 may be followed up until 31 August 2026; one ending on 29 February 2028, until 28
//! February 2029). Pre- and post-tests stay closed after completion.
//!
//! This module is the one place these rules live; `service::events` applies the first inside the transition's
//! transaction, `service::instruments` and `service::responses` the window.

use chrono::{Months, NaiveDate};

use crate::error::{ApiError, FieldError};

/// A lifecycle step that waits for a day of the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatedStep {
    /// `published -> ongoing`: from `starts_on`.
    Start,
    /// `ongoing -> completed`: from `ends_on`.
    Complete,
}

/// A step asked for before its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooEarly {
    pub step: DatedStep,
    /// The first day (WIB) on which the step is allowed.
    pub day: NaiveDate,
}

/// Problem code of a start before `starts_on`.
pub const NOT_STARTED_YET: &str = "event_not_started_yet";
/// Problem code of a completion before `ends_on`.
pub const NOT_ENDED_YET: &str = "event_not_ended_yet";

impl TooEarly {
    /// The stable problem code: `event_not_started_yet` or `event_not_ended_yet`.
    pub fn code(&self) -> &'static str {
        match self.step {
            DatedStep::Start => NOT_STARTED_YET,
            DatedStep::Complete => NOT_ENDED_YET,
        }
    }

    /// The event's date field the step waits for.
    pub fn field(&self) -> &'static str {
        match self.step {
            DatedStep::Start => "starts_on",
            DatedStep::Complete => "ends_on",
        }
    }

    /// The problem's detail, naming the day (ISO 8601).
    pub fn detail(&self) -> String {
        match self.step {
            DatedStep::Start => format!(
                "The event starts on {} (WIB): it can be started from that day on.",
                self.day
            ),
            DatedStep::Complete => format!(
                "The event ends on {} (WIB): it can be completed from that day on.",
                self.day
            ),
        }
    }

    /// The same for a machine: `{field: "starts_on" | "ends_on", code, message: "YYYY-MM-DD"}`.
    pub fn field_error(&self) -> FieldError {
        FieldError::new(self.field(), self.code(), self.day.to_string())
    }
}

/// Whether `step` may be taken on `today` (a WIB date) by an event running from `starts_on` to `ends_on`.
pub fn check(
    step: DatedStep,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), TooEarly> {
    let day = match step {
        DatedStep::Start => starts_on,
        DatedStep::Complete => ends_on,
    };
    if today < day {
        Err(TooEarly { step, day })
    } else {
        Ok(())
    }
}

/// Problem code of a follow-up or evaluation created, opened, changed or answered after the window closed.
pub const WINDOW_CLOSED: &str = "follow_up_window_closed";

/// How long after an event instruments that continue after it stay writable and answerable, in calendar months
/// (`FOLLOW_UP_WINDOW_MONTHS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpWindow {
    months: u32,
}

/// The window asked for after its last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowClosed {
    /// The last day (WIB) on which the window was open.
    pub last_day: NaiveDate,
}

impl FollowUpWindow {
    /// The default window: 12 months.
    pub const DEFAULT_MONTHS: u32 = 12;
    /// The longest window a setting may ask for: 60 months.
    pub const MAX_MONTHS: u32 = 60;

    /// A window of `months` (1 to 60), or `None`.
    pub fn months(months: u32) -> Option<Self> {
        (1..=Self::MAX_MONTHS)
            .contains(&months)
            .then_some(Self { months })
    }

    /// How many months the window has.
    pub fn len_months(self) -> u32 {
        self.months
    }

    /// The last day (WIB) of the window of an event that ended on `ends_on`.
    pub fn last_day(self, ends_on: NaiveDate) -> NaiveDate {
        ends_on
            .checked_add_months(Months::new(self.months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Whether the window of an event that ended on `ends_on` is still open on `today` (a WIB date).
    pub fn check(self, ends_on: NaiveDate, today: NaiveDate) -> Result<(), WindowClosed> {
        let last_day = self.last_day(ends_on);
        if today > last_day {
            Err(WindowClosed { last_day })
        } else {
            Ok(())
        }
    }
}

impl Default for FollowUpWindow {
    fn default() -> Self {
        Self {
            months: Self::DEFAULT_MONTHS,
        }
    }
}

impl WindowClosed {
    /// The problem's detail, naming the last day (ISO 8601).
    pub fn detail(&self) -> String {
        format!(
            "The window after the event closed on {} (WIB): its follow-ups and evaluations can no longer be \
             created, opened, changed or answered (closing is always allowed).",
            self.last_day
        )
    }

    /// The same for a machine: `{field: "ends_on", code: "follow_up_window_closed", message: "YYYY-MM-DD"}`.
    pub fn field_error(&self) -> FieldError {
        FieldError::new("ends_on", WINDOW_CLOSED, self.last_day.to_string())
    }
}

impl From<WindowClosed> for ApiError {
    /// 409 `follow_up_window_closed`, naming the window's last day.
    fn from(closed: WindowClosed) -> Self {
        ApiError::Conflict {
            code: WINDOW_CLOSED,
            detail: closed.detail().into(),
            errors: vec![closed.field_error()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_runs_calendar_months_after_the_last_day() {
        let window = FollowUpWindow::default();
        let ended = d(2025, 8, 2);
        assert_eq!(window.last_day(ended), d(2026, 8, 2));
        assert!(
            window.check(ended, d(2025, 12, 2)).is_ok(),
            "four months later"
        );
        assert!(window.check(ended, d(2026, 8, 2)).is_ok(), "its last day");
        assert_eq!(
            window.check(ended, d(2026, 8, 3)),
            Err(WindowClosed {
                last_day: d(2026, 8, 2)
            })
        );
        assert_eq!(window.last_day(d(2028, 2, 29)), d(2029, 2, 28));
        let short = FollowUpWindow::months(3).unwrap_or_default();
        assert_eq!(short.last_day(d(2025, 11, 30)), d(2026, 2, 28));
    }

    #[test]
    fn a_window_has_one_to_sixty_months() {
        assert_eq!(FollowUpWindow::months(0), None);
        assert_eq!(FollowUpWindow::months(61), None);
        assert_eq!(FollowUpWindow::months(60).map(|w| w.len_months()), Some(60));
        let closed = WindowClosed {
            last_day: d(2026, 8, 2),
        };
        assert!(closed.detail().contains("2026-08-02"));
        assert_eq!(closed.field_error().code, WINDOW_CLOSED);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn start_waits_for_the_first_day_and_complete_for_the_last() {
        let (from, to) = (d(2027, 3, 1), d(2027, 3, 3));
        let early = check(DatedStep::Start, from, to, d(2027, 2, 28));
        assert_eq!(
            early,
            Err(TooEarly {
                step: DatedStep::Start,
                day: from
            })
        );
        assert_eq!(early.map_err(|e| e.code()), Err("event_not_started_yet"));
        assert!(check(DatedStep::Start, from, to, from).is_ok());
        let not_ended = check(DatedStep::Complete, from, to, d(2027, 3, 2));
        assert_eq!(not_ended.map_err(|e| e.code()), Err("event_not_ended_yet"));
        assert!(check(DatedStep::Complete, from, to, to).is_ok());
    }

    #[test]
    fn an_event_recorded_after_the_fact_starts_and_completes_on_any_later_day() {
        let (from, to) = (d(2025, 8, 2), d(2025, 8, 2));
        let later = d(2026, 1, 15);
        assert!(check(DatedStep::Start, from, to, later).is_ok());
        assert!(check(DatedStep::Complete, from, to, later).is_ok());
    }

    #[test]
    fn the_refusal_names_the_day() {
        let e = TooEarly {
            step: DatedStep::Complete,
            day: d(2027, 3, 3),
        };
        assert!(e.detail().contains("2027-03-03"));
        let field = e.field_error();
        assert_eq!(
            (field.field.as_str(), field.message.as_str()),
            ("ends_on", "2027-03-03")
        );
    }
}
