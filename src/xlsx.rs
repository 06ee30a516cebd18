//! The XLSX form of an export (rust_xlsxwriter): one worksheet with a title block (the document's title, the event,
//! its dates, the place, the host unit), a bold header row that stays in view (frozen) and repeats on every
//! printed page, then the rows: identifiers such as the NIP as text cells (a spreadsheet never turns an 18-digit
//! NIP into `1,98503E+17`), numbers as numbers, dates as date cells shown as `2 Agustus 2025`.
//!
//! Memory stays bounded whatever the size: the worksheet is in rust_xlsxwriter's constant-memory mode (each row
//! goes to a temporary file as soon as the next one starts, strings inline), and the finished file is written
//! through the zip stream to any `Write` (the response), never assembled in memory. Column widths are kept from
//! the longest value seen and set at the end (they are written when the file is assembled).
//!
//! The date format carries the Indonesian locale (`[$-421]`, LCID 0x0421 id-ID), so Excel and LibreOffice show the
//! month's Indonesian name whatever the reader's own locale; the cell itself is an ordinary date serial.

use std::io::Write;

use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::domain::certificate::tanggal;
use crate::domain::sheet::{Column, Heading, Value};

/// The number format of dates: day, Indonesian month name, year (`2 Agustus 2025`).
pub const DATE_FORMAT: &str = "[$-421]d mmmm yyyy";

/// Text longer than this wraps inside its column instead of widening it.
const MAX_WIDTH: usize = 60;

/// Header labels longer than this wrap onto more lines.
const HEADER_WIDTH: usize = 14;

struct Formats {
    title: Format,
    label: Format,
    heading_value: Format,
    heading_date: Format,
    header: Format,
    text: Format,
    long_text: Format,
    code: Format,
    number: Format,
    date: Format,
}

impl Formats {
    fn new() -> Self {
        let border = |f: Format| f.set_border(FormatBorder::Thin);
        Self {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            heading_value: Format::new().set_align(FormatAlign::Left),
            heading_date: Format::new()
                .set_num_format(DATE_FORMAT)
                .set_align(FormatAlign::Left),
            header: border(
                Format::new()
                    .set_bold()
                    .set_text_wrap()
                    .set_align(FormatAlign::Center)
                    .set_align(FormatAlign::VerticalCenter)
                    .set_background_color(Color::RGB(0x00D9_E1F2)),
            ),
            text: border(Format::new().set_align(FormatAlign::Top)),
            long_text: border(Format::new().set_text_wrap().set_align(FormatAlign::Top)),
            // `@`: the cell stays text when someone edits it.
            code: border(
                Format::new()
                    .set_num_format("@")
                    .set_align(FormatAlign::Top),
            ),
            number: border(Format::new().set_align(FormatAlign::Top)),
            date: border(
                Format::new()
                    .set_num_format(DATE_FORMAT)
                    .set_align(FormatAlign::Top),
            ),
        }
    }
}

/// An XLSX export being written, row by row.
pub struct SheetWriter {
    workbook: Workbook,
    formats: Formats,
    /// The next row to write.
    row: u32,
    /// Per column, the widest value seen (in characters).
    widths: Vec<usize>,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl SheetWriter {
    /// Starts the file: the title block and the header row.
    pub fn new(heading: &Heading, columns: &[Column]) -> Result<Self, XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_properties(
            &DocProperties::new()
                .set_title(heading.title.as_str())
                .set_author("bimtek-api"),
        );
        let mut this = Self {
            workbook,
            formats: Formats::new(),
            row: 0,
            widths: columns.iter().map(|_| 4).collect(),
        };
        let f = &this.formats;
        let sheet = this.workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(heading.sheet_name.as_str())?;
        sheet.write_string_with_format(0, 0, heading.title.as_str(), &f.title)?;
        let mut row = 1;
        for (label, value) in &heading.lines {
            // The label overflows from column A into the empty B; the value sits in C.
            sheet.write_string_with_format(row, 0, label.as_str(), &f.label)?;
            match value {
                Value::Date(d) => {
                    sheet.write_date_with_format(row, 2, *d, &f.heading_date)?;
                }
                Value::Int(n) => {
                    sheet.write_number_with_format(row, 2, *n as f64, &f.heading_value)?;
                }
                Value::Number(n) => {
                    sheet.write_number_with_format(row, 2, *n, &f.heading_value)?;
                }
                Value::Text(s) | Value::Code(s) => {
                    sheet.write_string_with_format(row, 2, s.as_str(), &f.heading_value)?;
                }
                Value::Empty => {}
            }
            row += 1;
        }
        let header_row = row + 1;
        let mut header_lines = 1;
        for (col, column) in columns.iter().enumerate() {
            let label = match column.date {
                Some(d) => format!("{}\n{}", column.label, tanggal(d)),
                None => column.label.clone(),
            };
            // A long label wraps (at most HEADER_WIDTH wide, never narrower than its longest word) rather than
            // widening its column past its values.
            let width = label
                .lines()
                .map(|line| {
                    let word = line.split(' ').map(chars).max().unwrap_or(0);
                    word.max(chars(line).min(HEADER_WIDTH))
                })
                .max()
                .unwrap_or(0);
            let lines: usize = label
                .lines()
                .map(|line| chars(line).div_ceil(width.max(1)).max(1))
                .sum();
            header_lines = header_lines.max(lines);
            this.widths[col] = this.widths[col].max(width);
            sheet.write_string_with_format(header_row, col as u16, label, &f.header)?;
        }
        sheet.set_row_height(header_row, 13.0 * header_lines as f64 + 6.0)?;
        sheet.set_freeze_panes(header_row + 1, 0)?;
        sheet.set_repeat_rows(header_row, header_row)?;
        sheet.set_landscape();
        sheet.set_paper_size(9); // A4
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_footer("&L&A&RHalaman &P dari &N");
        // The title block's labels need columns A and B together.
        let label_width = heading
            .lines
            .iter()
            .map(|(l, _)| chars(l))
            .max()
            .unwrap_or(0);
        if this.widths.len() >= 2 && this.widths[0] + this.widths[1] < label_width + 2 {
            this.widths[1] = label_width + 2 - this.widths[0];
        }
        // A date does not overflow into the next cell as text does: its column must hold it (else `###`).
        for (_, value) in &heading.lines {
            if let (Value::Date(d), Some(w)) = (value, this.widths.get_mut(2)) {
                *w = (*w).max(chars(&tanggal(*d)));
            }
        }
        this.row = header_row + 1;
        Ok(this)
    }

    /// Writes rows below the ones written so far.
    pub fn rows(&mut self, rows: &[Vec<Value>]) -> Result<(), XlsxError> {
        let Self {
            workbook,
            formats,
            row: next,
            widths,
        } = self;
        let sheet: &mut Worksheet = workbook.worksheet_from_index(0)?;
        let mut row = *next;
        for values in rows {
            for (col, value) in values.iter().enumerate() {
                let c = col as u16;
                let width = match value {
                    Value::Text(s) => {
                        let n = chars(s);
                        let format = if n > MAX_WIDTH {
                            &formats.long_text
                        } else {
                            &formats.text
                        };
                        sheet.write_string_with_format(row, c, s.as_str(), format)?;
                        n
                    }
                    Value::Code(s) => {
                        sheet.write_string_with_format(row, c, s.as_str(), &formats.code)?;
                        chars(s)
                    }
                    Value::Int(n) => {
                        sheet.write_number_with_format(row, c, *n as f64, &formats.number)?;
                        n.to_string().len()
                    }
                    Value::Number(n) => {
                        sheet.write_number_with_format(row, c, *n, &formats.number)?;
                        crate::domain::csv::format_number(*n).len()
                    }
                    Value::Date(d) => {
                        sheet.write_date_with_format(row, c, *d, &formats.date)?;
                        tanggal(*d).len()
                    }
                    Value::Empty => {
                        sheet.write_blank(row, c, &formats.text)?;
                        0
                    }
                };
                if let Some(w) = widths.get_mut(col) {
                    *w = (*w).max(width.min(MAX_WIDTH));
                }
            }
            row += 1;
            *next = row;
        }
        Ok(())
    }

    /// Sets the column widths and writes the file to `out` (streamed: the zip container is written as it is
    /// produced).
    pub fn finish<W: Write + Send>(mut self, out: W) -> Result<(), XlsxError> {
        let widths = std::mem::take(&mut self.widths);
        let sheet = self.workbook.worksheet_from_index(0)?;
        for (col, width) in widths.iter().enumerate() {
            // A little room beside the text; filter arrows and bold headers need it.
            sheet.set_column_width(col as u16, (*width + 2) as f64)?;
        }
        self.workbook.save_to_writer(out)
    }
}
