//! The sort vocabularies of the lists: what a client may put in `sort=` (a `-` prefix means descending), each
//! defined once. The handlers read them from the query string and the repositories turn them into `ORDER BY`
//! (always with the id as the last tie-breaker, so pages never overlap).

use serde::Deserialize;
use utoipa::ToSchema;

/// Sort orders of a session's attendance list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum AttendanceSort {
    #[serde(rename = "participant_name")]
    ParticipantName,
    #[serde(rename = "-participant_name")]
    ParticipantNameDesc,
}

/// Sort orders of an officer's attendance records.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum RecordSort {
    #[serde(rename = "starts_at")]
    StartsAt,
    #[serde(rename = "-starts_at")]
    StartsAtDesc,
}

/// Sort orders of an event's certificates.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum CertificateSort {
    #[serde(rename = "number")]
    Number,
    #[serde(rename = "-number")]
    NumberDesc,
    #[serde(rename = "holder_name")]
    HolderName,
    #[serde(rename = "-holder_name")]
    HolderNameDesc,
}

/// Sort orders of the client list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum ClientSort {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// Sort orders of the enrollment list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum EnrollmentSort {
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "-status")]
    StatusDesc,
}

/// Sort orders of the event list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum EventSort {
    #[default]
    #[serde(rename = "starts_on")]
    StartsOn,
    #[serde(rename = "-starts_on")]
    StartsOnDesc,
    #[serde(rename = "title")]
    Title,
    #[serde(rename = "-title")]
    TitleDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// Sort orders of an event's instruments.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum InstrumentSort {
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    #[serde(rename = "title")]
    Title,
    #[serde(rename = "-title")]
    TitleDesc,
}

/// Sort orders of an instrument's responses.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum ResponseSort {
    #[serde(rename = "submitted_at")]
    SubmittedAt,
    #[serde(rename = "-submitted_at")]
    SubmittedAtDesc,
}

/// Sort orders of the participant list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum ParticipantSort {
    /// By name (case and accents ignored).
    #[default]
    #[serde(rename = "full_name")]
    FullName,
    #[serde(rename = "-full_name")]
    FullNameDesc,
    /// By grade, I/a first; officers without a grade last.
    #[serde(rename = "grade")]
    Grade,
    /// By grade, IV/e first; officers without a grade last.
    #[serde(rename = "-grade")]
    GradeDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// Sort orders of the program list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum ProgramSort {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "year")]
    Year,
    #[serde(rename = "-year")]
    YearDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// Sort orders of the session list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum SessionSort {
    #[default]
    #[serde(rename = "starts_at")]
    StartsAt,
    #[serde(rename = "-starts_at")]
    StartsAtDesc,
}

/// Sort orders of the template list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum TemplateSort {
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// Sort orders of a JP compliance list. Ties keep the order by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
pub enum ComplianceSort {
    #[default]
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "total_jp")]
    TotalJp,
    #[serde(rename = "-total_jp")]
    TotalJpDesc,
    #[serde(rename = "shortfall")]
    Shortfall,
    #[serde(rename = "-shortfall")]
    ShortfallDesc,
}

/// Sort orders of the unit list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum UnitSort {
    #[default]
    #[serde(rename = "code")]
    Code,
    #[serde(rename = "-code")]
    CodeDesc,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}

/// Sort orders of the user list.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub enum UserSort {
    #[default]
    #[serde(rename = "username")]
    Username,
    #[serde(rename = "-username")]
    UsernameDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
}
