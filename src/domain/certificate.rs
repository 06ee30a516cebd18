//! Certificates (sertifikat, surat keterangan): the number pattern, the verification code, the issue year in WIB
//! and the Indonesian dates printed on a certificate and its public page.
//!
//! The number pattern comes from `CERTIFICATE_NUMBER_PATTERN` and is parsed once at start-up, so a bad pattern
//! stops the service instead of failing the first issue.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, Utc};
use rand::RngCore;

/// The default number pattern: `12/BIMTEK/LPN-KSG/2025`.
pub const DEFAULT_NUMBER_PATTERN: &str = "{seq}/BIMTEK/{unit_code}/{year}";

/// The widest zero padding `{seq:N}` accepts.
const MAX_SEQ_WIDTH: usize = 9;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    /// `{seq}` or `{seq:N}`: the yearly sequence number, zero-padded to N digits.
    Seq(usize),
    Year,
    /// `{event_year}`: the year the event ends.
    EventYear,
    UnitCode,
    MonthRoman,
}

/// A parsed number pattern. Placeholders: `{seq}` (or `{seq:4}` for `0012`), `{year}` (of the issue date),
/// `{event_year}` (the year the event ends), `{unit_code}` (the host unit's code) and `{month_roman}` (`VIII`, the
/// issue date's month); `{seq}` and `{year}` are required, so that numbers stay unique: the sequence runs per
/// year of issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberPattern {
    parts: Vec<Part>,
}

/// What a number is made of.
#[derive(Debug, Clone, Copy)]
pub struct NumberInputs<'a> {
    pub seq: i32,
    /// The issue date's year.
    pub year: i32,
    /// The year the event ends.
    pub event_year: i32,
    /// The issue date's month.
    pub month: u32,
    pub unit_code: &'a str,
}

impl NumberPattern {
    /// Parses a pattern; the error says what is wrong, in words fit for a start-up message.
    pub fn parse(input: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = input;
        let (mut has_seq, mut has_year) = (false, false);
        while let Some(open) = rest.find(['{', '}']) {
            literal.push_str(&rest[..open]);
            if rest[open..].starts_with('}') {
                return Err("has a `}` without a `{`".to_owned());
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| "has a `{` without a `}`".to_owned())?;
            let name = &after[..close];
            let part = match name {
                "seq" => Part::Seq(0),
                "year" => Part::Year,
                "event_year" => Part::EventYear,
                "unit_code" => Part::UnitCode,
                "month_roman" => Part::MonthRoman,
                _ => match name.strip_prefix("seq:").map(str::parse::<usize>) {
                    Some(Ok(width)) if (1..=MAX_SEQ_WIDTH).contains(&width) => Part::Seq(width),
                    Some(_) => {
                        return Err(format!(
                            "pads {{seq}} to an invalid width in `{{{name}}}` (1-{MAX_SEQ_WIDTH} digits)"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "has an unknown placeholder `{{{name}}}` (known: {{seq}}, {{seq:N}}, {{year}}, \
                             {{event_year}}, {{unit_code}}, {{month_roman}})"
                        ));
                    }
                },
            };
            match part {
                Part::Seq(_) => has_seq = true,
                Part::Year => has_year = true,
                _ => {}
            }
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
            rest = &after[close + 1..];
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        if !has_seq || !has_year {
            return Err("must contain {seq} and {year}: the sequence runs per year".to_owned());
        }
        let pattern = Self { parts };
        // The longest number must fit the column (200 characters), with a unit code of up to 50.
        let longest = pattern.render(NumberInputs {
            seq: i32::MAX,
            year: 2999,
            event_year: 2999,
            month: 8,
            unit_code: &"X".repeat(50),
        });
        if longest.chars().count() > 200 {
            return Err("makes numbers longer than 200 characters".to_owned());
        }
        Ok(pattern)
    }

    /// The number of a certificate.
    pub fn render(&self, inputs: NumberInputs<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Seq(width) => out.push_str(&format!("{:0width$}", inputs.seq)),
                Part::Year => out.push_str(&inputs.year.to_string()),
                Part::EventYear => out.push_str(&inputs.event_year.to_string()),
                Part::UnitCode => out.push_str(inputs.unit_code),
                Part::MonthRoman => out.push_str(month_roman(inputs.month)),
            }
        }
        out
    }
}

impl Default for NumberPattern {
    fn default() -> Self {
        // The default pattern is valid; the fallback keeps this infallible without a panic.
        Self::parse(DEFAULT_NUMBER_PATTERN).unwrap_or(Self {
            parts: vec![Part::Seq(0), Part::Literal("/".into()), Part::Year],
        })
    }
}

/// The month in Roman numerals, as Indonesian letter numbers write it (`VIII` for August).
pub fn month_roman(month: u32) -> &'static str {
    const ROMAN: [&str; 12] = [
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    ROMAN
        .get((month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("")
}

/// Western Indonesia Time (WIB, Asia/Jakarta): UTC+7 all year, no daylight saving.
pub fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or(Utc.fix())
}

/// The calendar date of an instant in WIB: a certificate issued at 23:30 UTC on 31 December belongs to the next
/// year.
pub fn wib_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&wib()).date_naive()
}

/// The year and month of an issue instant, in WIB.
pub fn issue_year_month(at: DateTime<Utc>) -> (i32, u32) {
    let date = wib_date(at);
    (date.year(), date.month())
}

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
/// 160 random bits, 32 base32 characters.
const CODE_BYTES: usize = 20;
pub const CODE_LEN: usize = 32;

/// A fresh verification code: 160 bits from the operating system's CSPRNG, lower-case base32 without padding
/// (URL-safe, unambiguous when read aloud, compact in a QR code).
pub fn new_verification_code() -> String {
    let mut bytes = [0u8; CODE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base32(&bytes)
}

fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in bytes {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Whether a string can be a verification code at all; anything else is answered "unknown" without a lookup.
pub fn is_code_shaped(code: &str) -> bool {
    (16..=64).contains(&code.len()) && code.bytes().all(|b| BASE32.contains(&b))
}

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// JP without a needless `.0`: `32`, `1.5`.
pub fn format_jp(jp: f64) -> String {
    if jp.fract() == 0.0 {
        format!("{jp:.0}")
    } else {
        format!("{jp}")
    }
}

/// `2 Agustus 2025`.
pub fn tanggal(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

const DAYS: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];

/// `Sabtu, 2 Agustus 2025`: the day and date, as a form heads a session.
pub fn hari_tanggal(date: NaiveDate) -> String {
    format!(
        "{}, {}",
        DAYS[date.weekday().num_days_from_monday() as usize],
        tanggal(date)
    )
}

/// The dates of an event in Indonesian: `2 Agustus 2025`, `1-3 Agustus 2025`, `30 Juli - 2 Agustus 2025`,
/// `29 Desember 2025 - 2 Januari 2026`.
pub fn rentang_tanggal(start: NaiveDate, end: NaiveDate) -> String {
    if start >= end {
        tanggal(start)
    } else if start.year() != end.year() {
        format!("{} - {}", tanggal(start), tanggal(end))
    } else if start.month() != end.month() {
        format!(
            "{} {} - {}",
            start.day(),
            MONTHS[start.month0() as usize],
            tanggal(end)
        )
    } else {
        format!("{}-{}", start.day(), tanggal(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(seq: i32) -> NumberInputs<'static> {
        NumberInputs {
            seq,
            year: 2025,
            event_year: 2025,
            month: 8,
            unit_code: "LPN-KSG",
        }
    }

    #[test]
    fn the_default_pattern_numbers_by_sequence_unit_and_year() {
        let pattern = NumberPattern::default();
        assert_eq!(pattern.render(inputs(12)), "12/BIMTEK/LPN-KSG/2025");
    }

    #[test]
    fn the_event_year_may_differ_from_the_issue_year() {
        let pattern = NumberPattern::parse("{seq}/BIMTEK-{event_year}/{year}").unwrap();
        let inputs = NumberInputs {
            seq: 3,
            year: 2026,
            event_year: 2025,
            month: 1,
            unit_code: "X",
        };
        assert_eq!(pattern.render(inputs), "3/BIMTEK-2025/2026");
    }

    #[test]
    fn the_sequence_is_zero_padded_and_the_month_roman() {
        let pattern = NumberPattern::parse("W19.{seq:4}-{month_roman}/{year}").unwrap();
        assert_eq!(pattern.render(inputs(7)), "W19.0007-VIII/2025");
        assert_eq!(pattern.render(inputs(123_456)), "W19.123456-VIII/2025");
    }

    #[test]
    fn patterns_without_seq_or_year_or_with_unknown_placeholders_are_refused() {
        for (pattern, needle) in [
            ("{seq}/BIMTEK", "{seq} and {year}"),
            ("BIMTEK/{year}", "{seq} and {year}"),
            ("{seq}/{yaer}", "unknown placeholder `{yaer}`"),
            ("{seq}/{year", "without a `}`"),
            ("{seq}}/{year}", "without a `{`"),
            ("{seq:0}/{year}", "invalid width"),
            ("{seq:10}/{year}", "invalid width"),
            ("{seq:x}/{year}", "invalid width"),
        ] {
            let err = NumberPattern::parse(pattern).unwrap_err();
            assert!(err.contains(needle), "{pattern}: {err}");
        }
        let long = format!("{}{{seq}}{{year}}", "x".repeat(190));
        assert!(NumberPattern::parse(&long).is_err());
    }

    #[test]
    fn the_issue_year_is_the_year_in_jakarta() {
        let late = "2025-12-31T17:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(issue_year_month(late), (2026, 1));
        let early = "2025-12-31T16:59:59Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(issue_year_month(early), (2025, 12));
    }

    #[test]
    fn verification_codes_are_160_random_bits_in_base32() {
        let a = new_verification_code();
        let b = new_verification_code();
        assert_eq!(a.len(), CODE_LEN);
        assert_ne!(a, b);
        assert!(is_code_shaped(&a));
        assert!(!is_code_shaped("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
        assert!(!is_code_shaped("short"));
        assert!(!is_code_shaped("abc/def/ghi/jkl/mno"));
        // RFC 4648 test vector, lower case, no padding.
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
    }

    #[test]
    fn dates_are_written_in_indonesian() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(tanggal(d("2025-08-02")), "2 Agustus 2025");
        assert_eq!(
            rentang_tanggal(d("2025-08-02"), d("2025-08-02")),
            "2 Agustus 2025"
        );
        assert_eq!(
            rentang_tanggal(d("2025-08-01"), d("2025-08-03")),
            "1-3 Agustus 2025"
        );
        assert_eq!(
            rentang_tanggal(d("2025-07-30"), d("2025-08-02")),
            "30 Juli - 2 Agustus 2025"
        );
        assert_eq!(
            rentang_tanggal(d("2025-12-29"), d("2026-01-02")),
            "29 Desember 2025 - 2 Januari 2026"
        );
        assert_eq!(hari_tanggal(d("2025-08-02")), "Sabtu, 2 Agustus 2025");
        assert_eq!(hari_tanggal(d("2025-08-05")), "Selasa, 5 Agustus 2025");
        assert_eq!(hari_tanggal(d("2025-08-03")), "Minggu, 3 Agustus 2025");
        assert_eq!(month_roman(12), "XII");
        assert_eq!(month_roman(0), "");
    }
}
