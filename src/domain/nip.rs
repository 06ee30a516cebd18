//! The NIP (Nomor Induk Pegawai), the 18-digit civil-servant number: birth date `YYYYMMDD`, first appointment
//! `YYYYMM`, a sex digit (1 male, 2 female) and a 3-digit sequence that is not `000`. Contract staff (PPPK) have
//! numbers built differently in the appointment part, so that part is only checked for PNS.

use chrono::{Datelike, NaiveDate};

use crate::domain::enums::{EmployeeType, Sex};
use crate::error::FieldError;

/// A checked NIP. Personal data: show it with [`Nip::masked`] unless the caller may see it in full.
#[derive(Clone, PartialEq, Eq)]
pub struct Nip(String);

impl std::fmt::Debug for Nip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nip({})", mask(&self.0))
    }
}

/// `198703142010121001` -> `1987**********1001`: enough to tell two officers apart on a screen, not enough to use.
pub fn mask(nip: &str) -> String {
    if nip.len() != 18 || !nip.is_ascii() {
        return "*".repeat(nip.chars().count());
    }
    format!("{}{}{}", &nip[..4], "*".repeat(10), &nip[14..])
}

impl Nip {
    pub const PATTERN: &'static str = "^[0-9]{18}$";

    /// Checks the structure; `sex` and `employee_type` are the other fields of the same record.
    pub fn parse(
        field: &str,
        input: &str,
        sex: Sex,
        employee_type: EmployeeType,
    ) -> Result<Self, FieldError> {
        let value = input.trim();
        let err = |code: &'static str, message: &str| Err(FieldError::new(field, code, message));
        if value.len() != 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
            return err("invalid_format", "must be exactly 18 digits");
        }
        let Some(birth) = NaiveDate::parse_from_str(&value[0..8], "%Y%m%d").ok() else {
            return err(
                "invalid_birth_date",
                "digits 1-8 must be a real birth date (YYYYMMDD)",
            );
        };
        if birth.year() < 1940 || birth > chrono::Utc::now().date_naive() {
            return err(
                "invalid_birth_date",
                "digits 1-8 must be a plausible birth date",
            );
        }
        let sex_digit = &value[14..15];
        match (sex_digit, sex) {
            ("1", Sex::Male) | ("2", Sex::Female) => {}
            ("1" | "2", _) => {
                return err(
                    "sex_mismatch",
                    "digit 15 (1 male, 2 female) does not agree with sex",
                );
            }
            _ => {
                return err(
                    "invalid_sex_digit",
                    "digit 15 must be 1 (male) or 2 (female)",
                );
            }
        }
        if &value[15..18] == "000" {
            return err(
                "invalid_sequence",
                "digits 16-18 (the sequence) must not be 000",
            );
        }
        if employee_type == EmployeeType::Pns {
            let year: i32 = value[8..12].parse().unwrap_or(0);
            let month: u32 = value[12..14].parse().unwrap_or(0);
            if !(1..=12).contains(&month) {
                return err(
                    "invalid_appointment_date",
                    "digits 13-14 must be the month of first appointment (01-12)",
                );
            }
            if year < birth.year() + 15 || year > chrono::Utc::now().year() {
                return err(
                    "invalid_appointment_date",
                    "digits 9-12 must be a plausible year of first appointment",
                );
            }
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(input: &str, sex: Sex, kind: EmployeeType) -> Option<String> {
        Nip::parse("nip", input, sex, kind)
            .err()
            .map(|e| e.code.into_owned())
    }

    #[test]
    fn valid_numbers_pass() {
        assert_eq!(
            code("198703142010121001", Sex::Male, EmployeeType::Pns),
            None
        );
        assert_eq!(
            code("199001222014022002", Sex::Female, EmployeeType::Pns),
            None
        );
        // PPPK: the appointment part is not a month.
        assert_eq!(
            code("199609202021212013", Sex::Female, EmployeeType::Pppk),
            None
        );
    }

    #[test]
    fn each_broken_rule_has_its_code() {
        let male = Sex::Male;
        let pns = EmployeeType::Pns;
        for (input, sex, kind, expected) in [
            ("19870314201012100", male, pns, "invalid_format"),
            ("1987031420101210011", male, pns, "invalid_format"),
            ("19870314201012100a", male, pns, "invalid_format"),
            ("198702312010121001", male, pns, "invalid_birth_date"),
            ("198703142010123001", male, pns, "invalid_sex_digit"),
            ("198703142010122001", male, pns, "sex_mismatch"),
            ("198703142010121000", male, pns, "invalid_sequence"),
            ("198703142010131001", male, pns, "invalid_appointment_date"),
            ("198703141990121001", male, pns, "invalid_appointment_date"),
            (
                "199609202021212013",
                Sex::Female,
                pns,
                "invalid_appointment_date",
            ),
        ] {
            assert_eq!(code(input, sex, kind).as_deref(), Some(expected), "{input}");
        }
    }

    #[test]
    fn masking_keeps_only_the_ends() {
        assert_eq!(mask("198703142010121001"), "1987**********1001");
        let nip = Nip::parse("nip", "198703142010121001", Sex::Male, EmployeeType::Pns);
        assert!(nip.is_ok_and(|n| format!("{n:?}") == "Nip(1987**********1001)"));
    }
}
