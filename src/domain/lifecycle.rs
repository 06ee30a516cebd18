//! The calendar rule of an event's lifecycle: an event is started (`published -> ongoing`) from its first day,
//! `starts_on`, and completed (`ongoing -> completed`) from its last day, `ends_on`. Both are days in WIB (UTC+7,
//! the office's time zone), so "today" is the WIB date of the clock (`certificate::wib_date`). There is no upper
//! bound: an organizer who records an event after the fact starts and completes it with the same calls, on or
//! after those days. Publishing and cancelling have no date rule.
//!
//! This module is the one place the rule lives; `service::events` applies it inside the transition's transaction.

use chrono::NaiveDate;

use crate::error::FieldError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
