//! Stored answers and erasure: no copy of an erased officer's personal data outlives the erasure in the
//! idempotency store (UU 27/2022 PDP art. 43; issue 14 finding 1).
//!
//! A stored answer (`idempotency_keys.response_body`, replayed for 24 hours) may name an officer: a created
//! participant, a nomination, an import's row report, a user account, a certificate. Rather than asking every
//! endpoint to declare the officers its answer names (which a new endpoint could forget), the erasure looks at
//! the stored answers themselves: inside the erasure's transaction, every stored answer containing the officer's
//! id, NIP, name, e-mail or phone (as JSON writes them) is replaced by a 410 problem `idempotency_key_erased`. The
//! key stays taken, so a retry is neither answered with the erased values nor run again. An answer naming the
//! officer by id only (a bulk attendance answer, say) is replaced too: the id is how the erased record is found.

use diesel::PgConnection;
use uuid::Uuid;

use crate::error::ApiError;
use crate::repo::idempotency as repo;

/// What the erasure knew of the officer before it scrubbed the record.
pub struct ErasedValues<'a> {
    pub id: Uuid,
    pub nip: Option<&'a str>,
    pub full_name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// The byte strings whose presence marks a stored answer as naming the officer: each value as it appears inside
/// a JSON string (escaped as serde_json escapes it), the name also in capitals (certificates print it so).
pub fn needles(values: &ErasedValues<'_>) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let upper = values.full_name.to_uppercase();
    let candidates = [
        Some(values.id.to_string()),
        values.nip.map(str::to_owned),
        Some(values.full_name.to_owned()),
        Some(upper),
        values.email.map(str::to_owned),
        values.phone.map(str::to_owned),
    ];
    for value in candidates.into_iter().flatten() {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let json = serde_json::to_string(value).unwrap_or_default();
        let inner = json
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(value);
        let bytes = inner.as_bytes().to_vec();
        if !out.contains(&bytes) {
            out.push(bytes);
        }
    }
    out
}

/// The answer a scrubbed key replays.
fn erased_problem() -> ApiError {
    ApiError::Gone {
        code: "idempotency_key_erased",
        detail: "The answer stored for this Idempotency-Key named an officer whose personal data was erased since; \
                 it is no longer kept. The request took effect and is not run again."
            .into(),
    }
}

/// Replaces every stored answer naming the officer (see the module comment); how many. Runs inside the erasure's
/// transaction.
pub fn forget_officer(
    conn: &mut PgConnection,
    values: &ErasedValues<'_>,
) -> Result<usize, ApiError> {
    let problem = erased_problem().problem();
    let body = serde_json::to_vec(&problem).map_err(ApiError::internal)?;
    let headers = serde_json::json!({"content-type": "application/problem+json"});
    Ok(repo::scrub_answers_containing(
        conn,
        &needles(values),
        i16::try_from(problem.status).unwrap_or(410),
        &headers,
        &body,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needles_are_the_values_as_json_writes_them_without_duplicates_or_blanks() {
        let id = Uuid::nil();
        let values = ErasedValues {
            id,
            nip: Some("198501012010011001"),
            full_name: "Dewi \"Ayu\" Lestari",
            email: Some("dewi@kemenkumham.go.id"),
            phone: Some(" "),
        };
        let needles: Vec<String> = needles(&values)
            .into_iter()
            .map(|n| String::from_utf8(n).unwrap_or_default())
            .collect();
        assert_eq!(
            needles,
            [
                id.to_string().as_str(),
                "198501012010011001",
                r#"Dewi \"Ayu\" Lestari"#,
                r#"DEWI \"AYU\" LESTARI"#,
                "dewi@kemenkumham.go.id",
            ]
        );
    }
}
