//! A spreadsheet as the exports produce it, before it becomes a file: typed cell values, the header row and the
//! title block above it. The same rows are written as CSV (`domain::csv`, for programs) and as XLSX (`crate::xlsx`,
//! for people), so both files always carry the same columns, labels and values.

use chrono::NaiveDate;

use crate::domain::csv::Cell;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text shown as it is (names, titles, Indonesian labels).
    Text(String),
    /// An identifier made of digits or letters that is never a number: a NIP, an id, option keys. A text cell in
    /// XLSX (so a spreadsheet neither rounds an 18-digit NIP nor drops leading zeros).
    Code(String),
    Int(i64),
    Number(f64),
    /// A date cell in XLSX (`2 Agustus 2025`), `YYYY-MM-DD` in CSV.
    Date(NaiveDate),
    Empty,
}

impl Value {
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }

    /// Text, or empty for `None`.
    pub fn opt_text(s: Option<&str>) -> Self {
        s.map_or(Value::Empty, |s| Value::Text(s.to_owned()))
    }

    /// A number, or empty for `None`.
    pub fn opt_number(n: Option<f64>) -> Self {
        n.map_or(Value::Empty, Value::Number)
    }

    /// The CSV cell of this value.
    pub fn cell(&self) -> Cell<'_> {
        match self {
            Value::Text(s) | Value::Code(s) => Cell::Text(s),
            Value::Int(n) => Cell::Int(*n),
            Value::Number(n) => Cell::Number(*n),
            Value::Date(d) => Cell::Date(*d),
            Value::Empty => Cell::Empty,
        }
    }
}

/// A column of the header row: its label and, for a column that stands for a dated thing (a session of the
/// attendance matrix), that date (CSV: `Seminar (2025-08-02)`; XLSX: the date in Indonesian under the label).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub label: String,
    pub date: Option<NaiveDate>,
}

impl Column {
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            date: None,
        }
    }

    /// The label as one line of CSV: `Seminar (2025-08-02)`.
    pub fn csv_label(&self) -> String {
        match self.date {
            Some(d) => format!("{} ({})", self.label, d.format("%Y-%m-%d")),
            None => self.label.clone(),
        }
    }
}

/// What the XLSX shows above the header row: the document's title and labelled lines (the event, its dates, the
/// place, the host unit).
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// `DAFTAR HADIR PESERTA`.
    pub title: String,
    /// The sheet's tab name (at most 31 characters, none of `[]:*?/\`).
    pub sheet_name: String,
    pub lines: Vec<(String, Value)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dated_column_carries_its_date_in_the_csv_label() {
        let d = NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default();
        let column = Column {
            label: "Seminar".to_owned(),
            date: Some(d),
        };
        assert_eq!(column.csv_label(), "Seminar (2025-08-02)");
        assert_eq!(Column::new("NIP").csv_label(), "NIP");
        assert_eq!(
            Value::Code("198503012010011001".into()).cell(),
            Cell::Text("198503012010011001")
        );
        assert_eq!(Value::Date(d).cell(), Cell::Date(d));
    }
}
