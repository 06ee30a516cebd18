//! CSV files of the bulk imports: UTF-8 (a byte-order mark is tolerated), a header row naming the fields, `;` or
//! `,` as delimiter (whichever the header uses more), quotes as in RFC 4180. Pure: bytes in, a table or an error
//! naming the line out.
//!
//! The `csv` crate reads leniently (a stray or unclosed quote becomes part of a value); an import must not guess,
//! so the quoting is checked strictly first and a broken quote is reported with its line.

/// A parsed file: the trimmed header names and the records after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    pub delimiter: u8,
    pub header: Vec<String>,
    pub records: Vec<CsvRecord>,
}

/// One record: the line it starts on (the header is line 1) and its trimmed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    pub line: u64,
    pub values: Vec<String>,
}

/// Why a file cannot be read. Values never appear in the messages (they may be personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is not valid UTF-8 (line {line}); save it as CSV UTF-8")]
    InvalidEncoding { line: u64 },
    #[error("the file is empty: a header row naming the fields is expected")]
    Empty,
    #[error("line {line}: a quoted value is never closed")]
    UnclosedQuote { line: u64 },
    #[error(
        "line {line}: a quote inside an unquoted value (quote the whole value and double inner quotes)"
    )]
    StrayQuote { line: u64 },
    #[error("line {line}: text after the closing quote of a value")]
    TextAfterQuote { line: u64 },
    #[error("the file has more than {limit} rows")]
    TooManyRows { limit: usize },
    #[error("line {line}: the file cannot be read as CSV")]
    Unreadable { line: u64 },
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

/// The delimiter of the header row: `;` when it has more semicolons than commas outside quotes, else `,`.
pub fn detect_delimiter(text: &str) -> u8 {
    let (mut semicolons, mut commas, mut quoted) = (0usize, 0usize, false);
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b';' if !quoted => semicolons += 1,
            b',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Checks the quoting strictly (RFC 4180): a quote opens a value only at its start, `""` is a quote inside a
/// quoted value, and a closing quote is followed by the delimiter, a line break or the end of the file.
pub fn check_quotes(text: &str, delimiter: u8) -> Result<(), CsvError> {
    let bytes = text.as_bytes();
    let (mut line, mut opened_on) = (1u64, 1u64);
    let (mut quoted, mut after_quote, mut at_start) = (false, false, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => i += 1,
                b'"' => {
                    quoted = false;
                    after_quote = true;
                }
                b'\n' => line += 1,
                _ => {}
            }
        } else {
            let separator = b == delimiter || b == b'\n' || b == b'\r';
            if after_quote && !separator {
                return Err(CsvError::TextAfterQuote { line });
            }
            match b {
                b'"' if at_start => {
                    quoted = true;
                    opened_on = line;
                }
                b'"' => return Err(CsvError::StrayQuote { line }),
                b'\n' => line += 1,
                _ => {}
            }
            if separator {
                after_quote = false;
            }
            at_start = separator;
            if b == b'"' {
                at_start = false;
            }
        }
        i += 1;
    }
    if quoted {
        return Err(CsvError::UnclosedQuote { line: opened_on });
    }
    Ok(())
}

/// Reads a whole file. More than `max_rows` records is an error (the caller answers 413); blank lines are skipped.
pub fn parse(bytes: &[u8], max_rows: usize) -> Result<CsvTable, CsvError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::InvalidEncoding {
        line: line_of(bytes, e.valid_up_to()),
    })?;
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let delimiter = detect_delimiter(text);
    check_quotes(text, delimiter)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|_| CsvError::Unreadable { line: 1 })?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut records = Vec::new();
    let (mut line, mut counted_to) = (1u64, 0usize);
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Unreadable {
            line: e.position().map_or(0, csv::Position::line),
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if records.len() == max_rows {
            return Err(CsvError::TooManyRows { limit: max_rows });
        }
        // The reader's position of a record after blank lines is that of the first blank line: step over them.
        // Lines are counted from the previous record on, so the whole file is scanned once.
        let start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .clamp(counted_to, text.len());
        line += text.as_bytes()[counted_to..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = start;
        let blank = text.as_bytes()[start..]
            .iter()
            .take_while(|b| matches!(b, b'\r' | b'\n'))
            .filter(|&&b| b == b'\n')
            .count() as u64;
        records.push(CsvRecord {
            line: line + blank,
            values: record.iter().map(str::to_owned).collect(),
        });
    }
    Ok(CsvTable {
        delimiter,
        header,
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> CsvTable {
        parse(text.as_bytes(), 100).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn commas_and_semicolons_are_detected_from_the_header() {
        let t = table("nip,full_name\n1,\"Budi; S\"\n");
        assert_eq!(t.delimiter, b',');
        assert_eq!(t.records[0].values, ["1", "Budi; S"]);
        let t = table("nip;full_name;sex\r\n1;Budi, S;male\r\n");
        assert_eq!(t.delimiter, b';');
        assert_eq!(t.header, ["nip", "full_name", "sex"]);
        assert_eq!(t.records[0].values, ["1", "Budi, S", "male"]);
    }

    #[test]
    fn a_bom_is_tolerated_and_values_are_trimmed() {
        let t = table("\u{feff}nip , full_name\n 1 ,  Dewi \n");
        assert_eq!(t.header, ["nip", "full_name"]);
        assert_eq!(t.records[0].values, ["1", "Dewi"]);
    }

    #[test]
    fn records_know_their_line_and_blank_lines_are_skipped() {
        let t = table("a,b\n1,2\n\n\"x\ny\",3\n4,5\n");
        let lines: Vec<u64> = t.records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6]);
        assert_eq!(t.records[1].values, ["x\ny", "3"]);
    }

    #[test]
    fn doubled_quotes_are_quotes() {
        let t = table("a,b\n\"say \"\"hi\"\"\",2\n");
        assert_eq!(t.records[0].values, ["say \"hi\"", "2"]);
    }

    #[test]
    fn broken_quotes_name_their_line() {
        let cases = [
            (
                "a,b\n1,2\n\"open,3\n4,5\n",
                CsvError::UnclosedQuote { line: 3 },
            ),
            ("a,b\n1,2\n1,ab\"c\n", CsvError::StrayQuote { line: 3 }),
            ("a,b\n\"x\"y,2\n", CsvError::TextAfterQuote { line: 2 }),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text.as_bytes(), 100), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let bytes = b"a,b\n1,2\n3,\xE9t\xE9\n";
        assert_eq!(
            parse(bytes, 100),
            Err(CsvError::InvalidEncoding { line: 3 })
        );
    }

    #[test]
    fn too_many_rows_and_empty_files_are_refused() {
        assert_eq!(
            parse(b"a\n1\n2\n3\n", 2),
            Err(CsvError::TooManyRows { limit: 2 })
        );
        assert!(parse(b"a\n1\n2\n", 2).is_ok());
        assert_eq!(parse(b"", 2), Err(CsvError::Empty));
        assert_eq!(parse(b"\xEF\xBB\xBF \n", 2), Err(CsvError::Empty));
    }

    #[test]
    fn short_and_long_records_are_kept_for_the_caller_to_judge() {
        let t = table("a,b\n1\n1,2,3\n");
        assert_eq!(t.records[0].values.len(), 1);
        assert_eq!(t.records[1].values.len(), 3);
    }
}
