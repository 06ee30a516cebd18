//! A small CSV writer (RFC 4180: comma-separated, `"`-quoted where needed, CRLF line ends) for the exports, with
//! a semicolon dialect for spreadsheets in the Indonesian locale (`;` between cells, `,` as decimal separator), and
//! formula-injection neutralisation: a text cell that a spreadsheet would read as a formula or a command (it starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`, so it is shown as text and never
//! executed. Numbers are written as numbers (a negative gain keeps its `-`): they are produced by the service,
//! never typed by a user.

/// The UTF-8 byte order mark. Spreadsheets on Windows (the usual office set-up in Indonesia) read a CSV file as
/// the local 8-bit code page unless it starts with this mark, which garbles names with non-ASCII letters.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How cells are separated, and the decimal separator that goes with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Delimiter {
    /// `,` between cells and `.` in numbers (RFC 4180; for programs).
    #[default]
    Comma,
    /// `;` between cells and `,` in numbers: what a spreadsheet in the Indonesian locale (Excel, LibreOffice)
    /// opens into columns without an import dialog.
    Semicolon,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
        }
    }

    fn decimal(self) -> char {
        match self {
            Delimiter::Comma => '.',
            Delimiter::Semicolon => ',',
        }
    }
}

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Text from the database or a user: quoted when needed and neutralised when it could be a formula.
    Text(&'a str),
    /// An owned text cell.
    Owned(String),
    /// An integer.
    Int(i64),
    /// A number, written with `.` as decimal separator and at most 4 decimals, trailing zeros dropped.
    Number(f64),
    /// A calendar date, written `YYYY-MM-DD`.
    Date(chrono::NaiveDate),
    /// An empty cell (a missing value).
    Empty,
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl From<Option<f64>> for Cell<'_> {
    fn from(value: Option<f64>) -> Self {
        value.map_or(Cell::Empty, Cell::Number)
    }
}

/// Characters that make a spreadsheet read a cell as a formula (or, for tab and CR, shift it into one).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Appends CSV rows to a byte buffer.
#[derive(Debug, Default)]
pub struct CsvWriter {
    buf: Vec<u8>,
    delimiter: Delimiter,
}

impl CsvWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer whose buffer starts with the UTF-8 byte order mark.
    pub fn with_bom() -> Self {
        Self {
            buf: BOM.to_vec(),
            delimiter: Delimiter::Comma,
        }
    }

    /// A writer of the given dialect, its buffer starting with the byte order mark when `bom`.
    pub fn with_delimiter(delimiter: Delimiter, bom: bool) -> Self {
        Self {
            buf: if bom { BOM.to_vec() } else { Vec::new() },
            delimiter,
        }
    }

    /// Writes one row, ended by CRLF.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.buf.push(self.delimiter.byte());
            }
            match cell {
                Cell::Text(text) => self.text(text),
                Cell::Owned(text) => self.text(&text),
                Cell::Int(n) => self.buf.extend_from_slice(n.to_string().as_bytes()),
                Cell::Number(n) => {
                    let mut text = format_number(n);
                    if self.delimiter.decimal() != '.' {
                        text = text.replace('.', &self.delimiter.decimal().to_string());
                    }
                    // `1,5` under `;` needs no quotes: the separator is not in it.
                    self.buf.extend_from_slice(text.as_bytes());
                }
                Cell::Date(d) => self
                    .buf
                    .extend_from_slice(d.format("%Y-%m-%d").to_string().as_bytes()),
                Cell::Empty => {}
            }
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    fn text(&mut self, text: &str) {
        let neutralise = text.starts_with(FORMULA_STARTS);
        let separator = char::from(self.delimiter.byte());
        let quote = neutralise || text.contains([separator, '"', '\r', '\n']);
        if quote {
            self.buf.push(b'"');
        }
        if neutralise {
            self.buf.push(b'\'');
        }
        for part in text.split_inclusive('"') {
            self.buf.extend_from_slice(part.as_bytes());
            if part.ends_with('"') {
                self.buf.push(b'"');
            }
        }
        if quote {
            self.buf.push(b'"');
        }
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// A number with `.` as decimal separator, at most 4 decimals, no trailing zeros; non-finite values are empty.
pub fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return String::new();
    }
    let mut s = format!("{:.4}", (n * 10_000.0).round() / 10_000.0);
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" { "0".to_owned() } else { s }
}

/// File-name slugs of a title: (ASCII for `filename=`, UTF-8 for `filename*=`). Lower case, words joined by `-`,
/// at most 60 characters; accents are dropped from the ASCII form. Empty titles give `acara`.
pub fn slugs(title: &str) -> (String, String) {
    use unicode_normalization::UnicodeNormalization;
    fn join(words: impl Iterator<Item = char>) -> String {
        let mut out = String::new();
        let mut dash = false;
        for c in words {
            if c.is_alphanumeric() {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.extend(c.to_lowercase());
            } else {
                dash = true;
            }
            if out.chars().count() >= 60 {
                break;
            }
        }
        let mut out: String = out.chars().take(60).collect();
        while out.ends_with('-') {
            out.pop();
        }
        if out.is_empty() {
            "acara".to_owned()
        } else {
            out
        }
    }
    let ascii = join(title.nfkd().filter(|c| c.is_ascii()));
    let unicode = join(title.nfc());
    (ascii, unicode)
}

/// Percent-encodes a file name for `filename*=UTF-8''...` (RFC 8187: everything but unreserved characters).
pub fn percent_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cells: Vec<Cell<'_>>) -> String {
        let mut w = CsvWriter::new();
        w.row(cells);
        String::from_utf8(w.into_bytes()).unwrap_or_default()
    }

    #[test]
    fn plain_cells_are_written_as_they_are() {
        assert_eq!(
            line(vec![
                Cell::Int(1),
                "198503012010011001".into(),
                "Dewi Lestari".into(),
                Cell::Number(83.3),
                Cell::Empty,
            ]),
            "1,198503012010011001,Dewi Lestari,83.3,\r\n"
        );
    }

    #[test]
    fn separators_quotes_and_line_breaks_are_quoted() {
        assert_eq!(
            line(vec![
                "Lapas Kelas IIA, Palangka Raya".into(),
                "a \"b\" c".into()
            ]),
            "\"Lapas Kelas IIA, Palangka Raya\",\"a \"\"b\"\" c\"\r\n"
        );
        assert_eq!(line(vec!["two\nlines".into()]), "\"two\nlines\"\r\n");
    }

    #[test]
    fn text_that_a_spreadsheet_would_execute_is_neutralised() {
        for (input, expected) in [
            (
                "=HYPERLINK(\"http://x\")",
                "\"'=HYPERLINK(\"\"http://x\"\")\"",
            ),
            ("+62 811 1234", "\"'+62 811 1234\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tcmd", "\"'\tcmd\""),
            ("\rcmd", "\"'\rcmd\""),
        ] {
            assert_eq!(
                line(vec![input.into()]),
                format!("{expected}\r\n"),
                "{input:?}"
            );
        }
        // Only at the start: inside a cell these characters are harmless.
        assert_eq!(line(vec!["a=b".into()]), "a=b\r\n");
    }

    #[test]
    fn numbers_are_not_neutralised_and_keep_their_sign() {
        assert_eq!(
            line(vec![Cell::Number(-12.5), Cell::Int(-3)]),
            "-12.5,-3\r\n"
        );
        assert_eq!(format_number(0.33333), "0.3333");
        assert_eq!(format_number(100.0), "100");
        assert_eq!(format_number(-0.00001), "0");
        assert_eq!(format_number(f64::NAN), "");
    }

    #[test]
    fn the_semicolon_dialect_separates_by_semicolons_and_writes_decimal_commas() {
        let mut w = CsvWriter::with_delimiter(Delimiter::Semicolon, false);
        w.row(vec![
            Cell::Int(1),
            "Lapas Kelas IIA, Palangka Raya".into(),
            "a;b".into(),
            Cell::Number(83.25),
            Cell::Number(-0.5),
            Cell::Date(chrono::NaiveDate::from_ymd_opt(2025, 8, 2).unwrap_or_default()),
        ]);
        assert_eq!(
            String::from_utf8(w.into_bytes()).unwrap_or_default(),
            "1;Lapas Kelas IIA, Palangka Raya;\"a;b\";83,25;-0,5;2025-08-02\r\n"
        );
    }

    #[test]
    fn the_bom_starts_the_buffer() {
        let mut w = CsvWriter::with_bom();
        w.row(vec!["No".into()]);
        assert_eq!(w.into_bytes(), b"\xEF\xBB\xBFNo\r\n");
    }

    #[test]
    fn titles_become_file_name_slugs() {
        assert_eq!(
            slugs("Bimtek Orientasi Lapangan: PM Rehabilitasi Sosial (2025)").0,
            "bimtek-orientasi-lapangan-pm-rehabilitasi-sosial-2025"
        );
        let (ascii, unicode) = slugs("Pelatihan Konselor Adiksi — Tahap Ⅱ, Café");
        assert_eq!(ascii, "pelatihan-konselor-adiksi-tahap-ii-cafe");
        assert_eq!(unicode, "pelatihan-konselor-adiksi-tahap-ⅱ-café");
        assert_eq!(slugs("  ***  ").0, "acara");
        assert!(slugs(&"x ".repeat(100)).0.chars().count() <= 60);
        assert_eq!(percent_encode("tahap-ⅱ.csv"), "tahap-%E2%85%B1.csv");
    }
}
