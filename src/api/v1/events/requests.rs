//! The request bodies of `/api/v1/events` and their checks.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::v1::{double_option, not_null};
use crate::domain::enums::EventKind;
use crate::domain::text;
use crate::error::{ApiError, FieldError};
use crate::service::events::{EventPatch, MAX_ORGANIZERS, NewEvent};

/// A new event. It starts as a `draft`; the caller becomes one of its organizers.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
    "kind": "orientation",
    "program_id": "2c9a0e4b-7d1f-4b6e-8a3c-5f0e1d2c3b4a",
    "host_unit_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "starts_on": "2025-08-02",
    "ends_on": "2025-08-02",
    "capacity": 40,
    "legal_basis": "W.16-UM.01.01-1234"
}))]
pub struct CreateEventRequest {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub kind: EventKind,
    /// An existing program.
    pub program_id: Option<Uuid>,
    /// An existing unit.
    pub host_unit_id: Uuid,
    /// First day (WIB).
    pub starts_on: NaiveDate,
    /// Last day (WIB); not before `starts_on`.
    pub ends_on: NaiveDate,
    #[schema(minimum = 1, maximum = 10000)]
    pub capacity: i64,
    /// Percent of sessions attended needed for a certificate.
    #[schema(minimum = 0, maximum = 100, default = 80)]
    pub attendance_threshold: Option<i64>,
    #[schema(minimum = 0, maximum = 100, default = 70)]
    pub pass_score: Option<i64>,
    /// Minutes of one JP.
    #[schema(minimum = 1, maximum = 240, default = 45)]
    pub jp_minutes: Option<i64>,
    /// The letter number of the assignment.
    #[schema(max_length = 300)]
    pub legal_basis: Option<String>,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// Users with the role `organizer` or `admin`; administrators only. The caller is always added.
    #[schema(max_items = 50)]
    pub organizer_ids: Option<Vec<Uuid>>,
}

fn in_range<T>(field: &str, value: i64, min: i64, max: i64, errors: &mut Vec<FieldError>) -> T
where
    T: TryFrom<i64> + Default,
{
    if (min..=max).contains(&value)
        && let Ok(v) = T::try_from(value)
    {
        return v;
    }
    errors.push(FieldError::new(
        field,
        "out_of_range",
        format!("must be between {min} and {max}"),
    ));
    T::default()
}

fn check_organizers(ids: &[Uuid], errors: &mut Vec<FieldError>) {
    if ids.len() > MAX_ORGANIZERS {
        errors.push(FieldError::new(
            "organizer_ids",
            "too_long",
            format!("at most {MAX_ORGANIZERS} organizers"),
        ));
    }
}

fn dates_in_order(starts_on: NaiveDate, ends_on: NaiveDate, errors: &mut Vec<FieldError>) {
    if ends_on < starts_on {
        errors.push(FieldError::new(
            "ends_on",
            "out_of_range",
            format!("must not be before starts_on ({starts_on})"),
        ));
    }
}

impl CreateEventRequest {
    pub(super) fn parse(self) -> Result<NewEvent, ApiError> {
        let mut errors = Vec::new();
        let title = text::required("title", &self.title, 300).map_err(|e| errors.push(e));
        let legal_basis = text::optional("legal_basis", self.legal_basis.as_deref(), 300)
            .map_err(|e| errors.push(e));
        let description = text::optional("description", self.description.as_deref(), 4000)
            .map_err(|e| errors.push(e));
        dates_in_order(self.starts_on, self.ends_on, &mut errors);
        let capacity = in_range("capacity", self.capacity, 1, 10_000, &mut errors);
        let attendance_threshold = in_range(
            "attendance_threshold",
            self.attendance_threshold.unwrap_or(80),
            0,
            100,
            &mut errors,
        );
        let pass_score = in_range(
            "pass_score",
            self.pass_score.unwrap_or(70),
            0,
            100,
            &mut errors,
        );
        let jp_minutes = in_range(
            "jp_minutes",
            self.jp_minutes.unwrap_or(45),
            1,
            240,
            &mut errors,
        );
        if let Some(ids) = &self.organizer_ids {
            check_organizers(ids, &mut errors);
        }
        match (title, legal_basis, description) {
            (Ok(title), Ok(legal_basis), Ok(description)) if errors.is_empty() => Ok(NewEvent {
                title,
                kind: self.kind,
                program_id: self.program_id,
                host_unit_id: self.host_unit_id,
                starts_on: self.starts_on,
                ends_on: self.ends_on,
                capacity,
                attendance_threshold,
                pass_score,
                jp_minutes,
                legal_basis,
                description,
                organizer_ids: self.organizer_ids,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A JSON merge patch of an event: send only the fields to change; `null` clears a nullable field. `status` is
/// changed through the transition endpoints; `id`, `version`, the counts and timestamps are read-only.
/// `archived` is the one change allowed on a completed or cancelled event, and only there.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"capacity": 45, "legal_basis": "W.16-UM.01.01-1234"}))]
pub struct UpdateEventRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = String, min_length = 1, max_length = 300)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = EventKind)]
    pub kind: Option<Option<EventKind>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub program_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Uuid)]
    pub host_unit_id: Option<Option<Uuid>>,
    /// Every session must stay inside the dates (409 `sessions_outside_dates`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = NaiveDate)]
    pub starts_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = NaiveDate)]
    pub ends_on: Option<Option<NaiveDate>>,
    /// Not below the number of approved enrollments (409 `capacity_below_approved`).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 1, maximum = 10000)]
    pub capacity: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 0, maximum = 100)]
    pub attendance_threshold: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 0, maximum = 100)]
    pub pass_score: Option<Option<i64>>,
    /// Changing it does not change the JP already stored on sessions.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = i64, minimum = 1, maximum = 240)]
    pub jp_minutes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 300)]
    pub legal_basis: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, nullable, max_length = 4000)]
    pub description: Option<Option<String>>,
    /// Replaces the organizers; administrators only.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Vec<Uuid>, max_items = 50)]
    pub organizer_ids: Option<Option<Vec<Uuid>>>,
    /// Archive (`true`) or restore (`false`) a completed or cancelled event.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = bool)]
    pub archived: Option<Option<bool>>,
}

fn optional_text(
    field: &str,
    value: Option<Option<String>>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    match value {
        Some(Some(v)) => match text::optional(field, Some(&v), max) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        other => other,
    }
}

impl UpdateEventRequest {
    pub(super) fn parse(self) -> Result<EventPatch, ApiError> {
        let mut errors = Vec::new();
        let title = not_null("title", self.title, &mut errors).and_then(|t| {
            text::required("title", &t, 300)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let kind = not_null("kind", self.kind, &mut errors);
        let host_unit_id = not_null("host_unit_id", self.host_unit_id, &mut errors);
        let starts_on = not_null("starts_on", self.starts_on, &mut errors);
        let ends_on = not_null("ends_on", self.ends_on, &mut errors);
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            dates_in_order(s, e, &mut errors);
        }
        let capacity = not_null("capacity", self.capacity, &mut errors)
            .map(|v| in_range("capacity", v, 1, 10_000, &mut errors));
        let attendance_threshold = not_null(
            "attendance_threshold",
            self.attendance_threshold,
            &mut errors,
        )
        .map(|v| in_range("attendance_threshold", v, 0, 100, &mut errors));
        let pass_score = not_null("pass_score", self.pass_score, &mut errors)
            .map(|v| in_range("pass_score", v, 0, 100, &mut errors));
        let jp_minutes = not_null("jp_minutes", self.jp_minutes, &mut errors)
            .map(|v| in_range("jp_minutes", v, 1, 240, &mut errors));
        let legal_basis = optional_text("legal_basis", self.legal_basis, 300, &mut errors);
        let description = optional_text("description", self.description, 4000, &mut errors);
        let organizer_ids = not_null("organizer_ids", self.organizer_ids, &mut errors);
        if let Some(ids) = &organizer_ids {
            check_organizers(ids, &mut errors);
        }
        let archived = not_null("archived", self.archived, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(EventPatch {
            title,
            kind,
            program_id: self.program_id,
            host_unit_id,
            starts_on,
            ends_on,
            capacity,
            attendance_threshold,
            pass_score,
            jp_minutes,
            legal_basis,
            description,
            organizer_ids,
            archived,
        })
    }
}
