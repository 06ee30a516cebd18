//! The repository layer: diesel rows and small query functions. All SQL of the service lives here.

pub mod access;
pub mod attendance;
pub mod attendance_sheet;
pub mod audit;
pub mod calendar;
pub mod certificates;
pub mod changes;
pub mod clients;
pub mod competency_records;
pub mod compliance;
pub mod credentials;
pub mod demo;
pub mod enrollments;
pub mod events;
pub mod exports;
pub mod idempotency;
pub mod imports;
pub mod instruments;
pub mod letterheads;
pub mod participant_accounts;
pub mod participants;
pub mod programs;
pub mod qualifications;
pub mod refresh_tokens;
pub mod reports;
pub mod responses;
pub mod results;
pub mod retention;
pub mod riwayat_kursus;
pub mod scores;
pub mod sessions;
pub mod signatories;
pub mod snapshots;
pub mod subject_export;
pub mod throttle;
pub mod trainings;
pub mod units;
pub mod users;
pub mod webhooks;

/// Escapes `%`, `_` and `\` so user input is matched literally inside an `ILIKE` pattern.
pub fn like_pattern(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 2);
    out.push('%');
    for c in input.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// `SELECT 1`: whether the connection reaches the database.
pub fn ping(conn: &mut diesel::PgConnection) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn).map(|_| ())
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(super::like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
