//! The daftar hadir (attendance sheet): A4 portrait, one section per session, each on its own pages with the
//! letterhead, the title DAFTAR HADIR, the event, the session's day, date, time and place, a table of the officers
//! (No, Nama, NIP, Pangkat/Gol., Jabatan, Unit Kerja, Tanda Tangan) whose header repeats on every page, and the
//! organizer's signature block at the foot. Pages are numbered per section (`Halaman 1 dari N`): a session's sheet
//! is filed on its own.
//!
//! Every row has the same height (long names and units wrap within it, in a smaller size when they must), so the
//! rows a page holds are fixed: [`ROWS_FIRST_PAGE`], [`ROWS_NEXT_PAGE`]; the foot takes [`FOOT_ROWS`] rows of the
//! last page and never stands alone: when it does not fit under the last row, the last [`KEEP_WITH_FOOT`] rows go
//! with it to a new page ([`paginate`]).

use std::ops::Range;

use printpdf::{
    Color, Line, LinePoint, Op, PaintMode, PdfDocument, PdfPage, PdfSaveOptions, Point, Pt,
};

use super::{Canvas, Font, MM, rgb, wrap};
use crate::domain::enums::AttendanceStatus;

const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const MARGIN_X: f32 = 15.0 * MM;
const TOP: f32 = 12.0 * MM;
/// The lowest point a row may reach: above the page number.
const BOTTOM: f32 = 20.0 * MM;

/// The height of every table row: room for a signature, or for three short lines of text.
pub const ROW_H_MM: f32 = 10.0;
const ROW_H: f32 = ROW_H_MM * MM;
const HEADER_H: f32 = 9.0 * MM;
/// Letterhead, title and the session's details, above the table of a section's first page.
const FIRST_HEAD_H: f32 = 62.0 * MM;
/// The running head above the table of the following pages.
const NEXT_HEAD_H: f32 = 9.0 * MM;

/// Rows on the first page of a section.
pub const ROWS_FIRST_PAGE: usize =
    ((PAGE_H - TOP - FIRST_HEAD_H - HEADER_H - BOTTOM) / ROW_H) as usize;
/// Rows on each following page.
pub const ROWS_NEXT_PAGE: usize =
    ((PAGE_H - TOP - NEXT_HEAD_H - HEADER_H - BOTTOM) / ROW_H) as usize;
/// The rows' worth of height the foot (the tally and the signature block) takes on the last page.
pub const FOOT_ROWS: usize = 5;
/// Rows that go with the foot to a new page when it does not fit under the last row.
pub const KEEP_WITH_FOOT: usize = 3;
// A page must hold the rows kept with the foot and the foot, or `paginate` would not end.
const _: () = assert!(
    KEEP_WITH_FOOT + FOOT_ROWS <= ROWS_FIRST_PAGE && KEEP_WITH_FOOT + FOOT_ROWS <= ROWS_NEXT_PAGE
);

/// The columns: title and width in mm (180 mm between the margins).
const COLUMNS: [(&str, f32); 7] = [
    ("No", 7.0),
    ("Nama", 34.0),
    ("NIP", 29.0),
    ("Pangkat/Gol.", 23.0),
    ("Jabatan", 27.0),
    ("Unit Kerja", 30.0),
    ("Tanda Tangan", 30.0),
];
const SIGNATURE: usize = 6;

const BODY_SIZE: f32 = 7.5;
const SMALL_SIZE: f32 = 6.5;
const PAD: f32 = 1.2 * MM;
/// The width of the table's rules, in points.
const GRID: f32 = 0.5;

/// The rows of each page of a section of `rows` officers; the foot goes on the last page.
pub fn paginate(rows: usize) -> Vec<Range<usize>> {
    let mut pages = Vec::new();
    let mut start = 0;
    loop {
        let capacity = if pages.is_empty() {
            ROWS_FIRST_PAGE
        } else {
            ROWS_NEXT_PAGE
        };
        let remaining = rows - start;
        if remaining + FOOT_ROWS <= capacity {
            pages.push(start..rows);
            return pages;
        }
        // All rows fit but the foot does not: the last rows go with it.
        let take = if remaining <= capacity {
            remaining.saturating_sub(KEEP_WITH_FOOT)
        } else {
            capacity
        };
        pages.push(start..start + take);
        start += take;
    }
}

/// One officer's line.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub nip: String,
    pub pangkat: String,
    pub jabatan: String,
    pub unit: String,
    /// Printed in the filled sheet.
    pub status: Option<AttendanceStatus>,
}

/// One session's sheet.
#[derive(Debug, Clone)]
pub struct Section {
    pub session_title: String,
    /// `Sabtu, 2 Agustus 2025`.
    pub day_date: String,
    /// `08.00 - 09.30 WIB`.
    pub time: String,
    pub place: String,
    /// `Kasongan, 2 Agustus 2025`: above the signature block.
    pub place_and_date: String,
    pub rows: Vec<Row>,
}

/// Who signs for the organizers; blank lines to fill in by hand where unknown.
#[derive(Debug, Clone, Default)]
pub struct Signatory {
    pub name: Option<String>,
    pub nip: Option<String>,
}

/// The whole document.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The letterhead's lines, the first in bold.
    pub letterhead: Vec<String>,
    pub event_title: String,
    /// Whether the recorded statuses are printed (after the session) or the cells are left empty (before it).
    pub filled: bool,
    pub signatory: Signatory,
    pub sections: Vec<Section>,
}

fn ink() -> Color {
    rgb(0.0, 0.0, 0.0)
}

fn grey() -> Color {
    rgb(0.35, 0.35, 0.35)
}

/// The sizes a cell's text tries, each with the lines it may take in a row.
const TIERS: [(f32, usize); 3] = [(BODY_SIZE, 2), (SMALL_SIZE, 3), (5.6, 4)];

/// Lines of `text` that fit `width`: two lines, or more in a smaller size; the last line is cut with `...` only
/// when even the smallest size is not enough.
fn fit(text: &str, font: Font, width: f32) -> (f32, Vec<String>) {
    let mut fitted = (BODY_SIZE, Vec::new());
    for (size, max_lines) in TIERS {
        let lines = wrap(text, font, size, width, max_lines);
        let fits = lines.iter().all(|l| font.width(l, size) <= width);
        fitted = (size, lines);
        if fits {
            return fitted;
        }
    }
    let (size, mut lines) = fitted;
    if let Some(last) = lines.last_mut() {
        let mut cut: String = last.clone();
        while !cut.is_empty() && font.width(&format!("{cut}..."), size) > width {
            cut.pop();
        }
        *last = format!("{}...", cut.trim_end());
    }
    (size, lines)
}

impl Canvas {
    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        let point = |x: f32, y: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![point(x1, y1), point(x2, y2)],
                is_closed: false,
            },
        });
    }

    fn thickness(&mut self, pt: f32) {
        self.ops.push(Op::SetOutlineThickness { pt: Pt(pt) });
    }

    /// Lines of text in a box from `top` down, vertically centred in `height`.
    fn cell_lines(
        &mut self,
        lines: &[String],
        font: Font,
        size: f32,
        x: f32,
        top: f32,
        height: f32,
    ) {
        let leading = size * 1.18;
        let block = leading * lines.len() as f32;
        let mut baseline = top - (height - block) / 2.0 - size * 0.9;
        for line in lines {
            self.text(line, font, size, x, baseline, ink());
            baseline -= leading;
        }
    }

    fn centred_in(&mut self, text: &str, font: Font, size: f32, x: f32, width: f32, y: f32) {
        let x = x + (width - font.width(text, size)) / 2.0;
        self.text(text, font, size, x, y, ink());
    }
}

struct Layout {
    /// Left edge of each column, and the right edge of the table last.
    edges: [f32; COLUMNS.len() + 1],
}

impl Layout {
    fn new() -> Self {
        let mut edges = [MARGIN_X; COLUMNS.len() + 1];
        for (i, (_, width)) in COLUMNS.iter().enumerate() {
            edges[i + 1] = edges[i] + width * MM;
        }
        Self { edges }
    }

    fn x(&self, column: usize) -> f32 {
        self.edges[column]
    }

    fn width(&self, column: usize) -> f32 {
        self.edges[column + 1] - self.edges[column]
    }

    fn right(&self) -> f32 {
        self.edges[COLUMNS.len()]
    }
}

/// The letterhead: its lines centred, the first in bold, over a double rule. Returns the y under it.
fn letterhead(canvas: &mut Canvas, lines: &[String], top: f32) -> f32 {
    let mut y = top;
    for (i, line) in lines.iter().enumerate() {
        let (font, size) = if i == 0 {
            (Font::Bold, 11.0)
        } else if i + 1 == lines.len() && lines.len() > 2 {
            (Font::Regular, 8.0)
        } else {
            (Font::Bold, 10.0)
        };
        y -= size * 1.35;
        let mut size = size;
        while font.width(line, size) > PAGE_W - 2.0 * MARGIN_X && size > 6.0 {
            size -= 0.5;
        }
        canvas.text(
            line,
            font,
            size,
            (PAGE_W - font.width(line, size)) / 2.0,
            y,
            ink(),
        );
    }
    y -= 2.5 * MM;
    canvas.thickness(1.6);
    canvas.line(MARGIN_X, y, PAGE_W - MARGIN_X, y);
    canvas.thickness(0.5);
    canvas.line(MARGIN_X, y - 1.2 * MM, PAGE_W - MARGIN_X, y - 1.2 * MM);
    y - 1.2 * MM
}

/// The head of a section's first page: letterhead, title and the session's details.
fn first_head(canvas: &mut Canvas, sheet: &Sheet, section: &Section) {
    let top = PAGE_H - TOP;
    let mut y = letterhead(canvas, &sheet.letterhead, top);
    y -= 9.0 * MM;
    let title = "DAFTAR HADIR";
    canvas.text(
        title,
        Font::Bold,
        14.0,
        (PAGE_W - Font::Bold.width(title, 14.0)) / 2.0,
        y,
        ink(),
    );
    y -= 8.0 * MM;
    let value_x = MARGIN_X + 27.0 * MM;
    let value_width = PAGE_W - MARGIN_X - value_x;
    let detail = |canvas: &mut Canvas, label: &str, value: &str, lines: usize, y: &mut f32| {
        canvas.text(label, Font::Regular, 9.0, MARGIN_X, *y, ink());
        canvas.text(":", Font::Regular, 9.0, value_x - 2.5 * MM, *y, ink());
        let font = if label == "Kegiatan" {
            Font::Bold
        } else {
            Font::Regular
        };
        for line in wrap(value, font, 9.0, value_width, lines) {
            canvas.text(&line, font, 9.0, value_x, *y, ink());
            *y -= 4.6 * MM;
        }
    };
    detail(canvas, "Kegiatan", &sheet.event_title, 2, &mut y);
    detail(canvas, "Sesi", &section.session_title, 2, &mut y);
    detail(canvas, "Hari/Tanggal", &section.day_date, 1, &mut y);
    detail(canvas, "Waktu", &section.time, 1, &mut y);
    detail(canvas, "Tempat", &section.place, 1, &mut y);
}

/// The running head of a section's following pages.
fn next_head(canvas: &mut Canvas, section: &Section) {
    let y = PAGE_H - TOP - 5.0 * MM;
    let text = format!(
        "DAFTAR HADIR (lanjutan) - {} - {}",
        section.session_title, section.day_date
    );
    let mut lines = wrap(&text, Font::Bold, 8.5, PAGE_W - 2.0 * MARGIN_X, 1);
    let line = lines.pop().unwrap_or_default();
    canvas.text(&line, Font::Bold, 8.5, MARGIN_X, y, ink());
}

/// The table's header row with its top edge at `top`.
fn table_header(canvas: &mut Canvas, layout: &Layout, top: f32) {
    canvas.ops.push(Op::SetFillColor {
        col: rgb(0.88, 0.88, 0.88),
    });
    canvas.rect(
        MARGIN_X,
        top - HEADER_H,
        layout.right() - MARGIN_X,
        HEADER_H,
        PaintMode::FillStroke,
    );
    for (i, (title, _)) in COLUMNS.iter().enumerate() {
        let x = layout.x(i);
        let lines = wrap(title, Font::Bold, 7.5, layout.width(i) - 2.0 * PAD, 2);
        let leading = 7.5 * 1.18;
        let mut y = top - (HEADER_H - leading * lines.len() as f32) / 2.0 - 7.5 * 0.9;
        for line in &lines {
            canvas.centred_in(line, Font::Bold, 7.5, x, layout.width(i), y);
            y -= leading;
        }
        if i > 0 {
            canvas.line(x, top, x, top - HEADER_H);
        }
    }
}

/// One officer's row with its top edge at `top`; `number` counts from 1.
fn row(canvas: &mut Canvas, layout: &Layout, filled: bool, number: usize, row: &Row, top: f32) {
    let bottom = top - ROW_H;
    canvas.thickness(GRID);
    canvas.line(MARGIN_X, bottom, layout.right(), bottom);
    let number_text = number.to_string();
    canvas.cell_lines(
        std::slice::from_ref(&number_text),
        Font::Regular,
        BODY_SIZE,
        layout.x(0) + layout.width(0) - PAD - Font::Regular.width(&number_text, BODY_SIZE),
        top,
        ROW_H,
    );
    let texts = [&row.name, &row.nip, &row.pangkat, &row.jabatan, &row.unit];
    for (i, text) in texts.iter().enumerate() {
        let column = i + 1;
        let (size, lines) = fit(text, Font::Regular, layout.width(column) - 2.0 * PAD);
        canvas.cell_lines(
            &lines,
            Font::Regular,
            size,
            layout.x(column) + PAD,
            top,
            ROW_H,
        );
    }
    signature_cell(canvas, layout, filled, number, row.status, bottom);
}

/// The signature cell in the usual alternating layout: odd numbers sign in the left half, even numbers in the
/// right, each after its number. The filled sheet prints the recorded status: beside the signature space of those
/// who attended, in its place for the others.
fn signature_cell(
    canvas: &mut Canvas,
    layout: &Layout,
    filled: bool,
    number: usize,
    status: Option<AttendanceStatus>,
    bottom: f32,
) {
    let half = layout.width(SIGNATURE) / 2.0;
    let left = layout.x(SIGNATURE);
    let (own, other) = if number % 2 == 1 {
        (left, left + half)
    } else {
        (left + half, left)
    };
    let baseline = bottom + 2.6 * MM;
    let label = format!("{number}.");
    canvas.text(&label, Font::Regular, 6.5, own + 1.0 * MM, baseline, ink());
    let line_from = own + 1.0 * MM + Font::Regular.width(&label, 6.5) + 0.6 * MM;
    let status = status.filter(|_| filled);
    match status {
        Some(status) if !status.attended() => {
            canvas.text(status.label(), Font::Bold, 7.0, line_from, baseline, ink());
        }
        _ => {
            canvas.ops.push(Op::SetOutlineColor { col: grey() });
            canvas.thickness(0.4);
            canvas.line(
                line_from,
                baseline - 0.5,
                own + half - 1.2 * MM,
                baseline - 0.5,
            );
            canvas.ops.push(Op::SetOutlineColor { col: ink() });
        }
    }
    if let Some(status) = status.filter(|s| s.attended()) {
        let size = 6.5;
        let x = other + (half - Font::Regular.width(status.label(), size)) / 2.0;
        canvas.text(status.label(), Font::Regular, size, x, baseline, grey());
    }
}

/// The vertical rules of the rows from `top` down to `bottom`.
fn columns(canvas: &mut Canvas, layout: &Layout, top: f32, bottom: f32) {
    canvas.thickness(GRID);
    for i in 0..=COLUMNS.len() {
        canvas.line(layout.x(i), top, layout.x(i), bottom);
    }
    canvas.thickness(0.4);
    // the line between the halves of the signature column, lighter
    let middle = layout.x(SIGNATURE) + layout.width(SIGNATURE) / 2.0;
    canvas.ops.push(Op::SetOutlineColor {
        col: rgb(0.7, 0.7, 0.7),
    });
    canvas.line(middle, top, middle, bottom);
    canvas.ops.push(Op::SetOutlineColor { col: ink() });
}

/// The tally and the signature block with its top at `top`.
fn foot(canvas: &mut Canvas, sheet: &Sheet, section: &Section, top: f32) {
    let mut y = top - 5.0 * MM;
    let mut tally = format!("Jumlah peserta: {}", section.rows.len());
    if sheet.filled {
        for status in AttendanceStatus::ALL {
            let n = section
                .rows
                .iter()
                .filter(|r| r.status == Some(*status))
                .count();
            tally.push_str(&format!("   {}: {n}", status.label()));
        }
        let open = section.rows.iter().filter(|r| r.status.is_none()).count();
        if open > 0 {
            tally.push_str(&format!("   Belum dicatat: {open}"));
        }
    }
    canvas.text(&tally, Font::Regular, 8.0, MARGIN_X, y, ink());
    let x = PAGE_W - MARGIN_X - 70.0 * MM;
    y -= 7.0 * MM;
    canvas.text(&section.place_and_date, Font::Regular, 9.0, x, y, ink());
    y -= 4.6 * MM;
    canvas.text("Panitia Penyelenggara,", Font::Regular, 9.0, x, y, ink());
    y -= 22.0 * MM;
    match &sheet.signatory.name {
        Some(name) => {
            let lines = wrap(name, Font::Bold, 9.0, 70.0 * MM, 1);
            let name = lines.first().map_or("", String::as_str);
            canvas.text(name, Font::Bold, 9.0, x, y, ink());
            canvas.thickness(0.5);
            canvas.line(x, y - 0.8, x + Font::Bold.width(name, 9.0), y - 0.8);
        }
        None => canvas.text(
            "(.................................................)",
            Font::Regular,
            9.0,
            x,
            y,
            ink(),
        ),
    }
    y -= 4.6 * MM;
    let nip = match &sheet.signatory.nip {
        Some(nip) => format!("NIP. {nip}"),
        None => "NIP. ...............................................".to_owned(),
    };
    canvas.text(&nip, Font::Regular, 9.0, x, y, ink());
}

fn page_number(canvas: &mut Canvas, page: usize, pages: usize) {
    let text = format!("Halaman {page} dari {pages}");
    canvas.text(
        &text,
        Font::Regular,
        8.0,
        PAGE_W - MARGIN_X - Font::Regular.width(&text, 8.0),
        12.0 * MM,
        grey(),
    );
}

/// The pages of one section.
fn section_pages(sheet: &Sheet, section: &Section, layout: &Layout) -> Vec<PdfPage> {
    let pages = paginate(section.rows.len());
    let count = pages.len();
    pages
        .into_iter()
        .enumerate()
        .map(|(index, range)| {
            let mut canvas = Canvas { ops: Vec::new() };
            canvas.ops.extend([
                Op::SetOutlineColor { col: ink() },
                Op::SetOutlineThickness { pt: Pt(0.6) },
            ]);
            let table_top = if index == 0 {
                first_head(&mut canvas, sheet, section);
                PAGE_H - TOP - FIRST_HEAD_H
            } else {
                next_head(&mut canvas, section);
                PAGE_H - TOP - NEXT_HEAD_H
            };
            canvas.thickness(GRID);
            table_header(&mut canvas, layout, table_top);
            let rows_top = table_top - HEADER_H;
            let mut top = rows_top;
            for i in range.clone() {
                row(
                    &mut canvas,
                    layout,
                    sheet.filled,
                    i + 1,
                    &section.rows[i],
                    top,
                );
                top -= ROW_H;
            }
            columns(&mut canvas, layout, rows_top, top);
            if index + 1 == count {
                foot(&mut canvas, sheet, section, top);
            }
            page_number(&mut canvas, index + 1, count);
            PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), canvas.ops)
        })
        .collect()
}

/// The PDF of a daftar hadir.
pub fn render(sheet: &Sheet) -> Vec<u8> {
    let layout = Layout::new();
    let pages: Vec<PdfPage> = sheet
        .sections
        .iter()
        .flat_map(|section| section_pages(sheet, section, &layout))
        .collect();
    let mut document = PdfDocument::new(&format!("Daftar Hadir {}", sheet.event_title));
    document
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_columns_fill_the_width_between_the_margins() {
        let total: f32 = COLUMNS.iter().map(|(_, w)| w).sum();
        assert!((total - 180.0).abs() < 0.01, "{total}");
        // an 18-digit NIP fits its column on one line
        let nip_width = Font::Regular.width("198503012010011001", BODY_SIZE);
        assert!(nip_width < Layout::new().width(2) - 2.0 * PAD);
    }

    #[test]
    fn pages_hold_every_row_once_and_the_foot_never_stands_alone() {
        for rows in [0, 1, 5, ROWS_FIRST_PAGE, ROWS_FIRST_PAGE + 1, 100, 500, 501] {
            let pages = paginate(rows);
            let flat: Vec<usize> = pages.iter().flat_map(Clone::clone).collect();
            assert_eq!(flat, (0..rows).collect::<Vec<_>>(), "{rows}");
            let last = pages.last().unwrap();
            let capacity = if pages.len() == 1 {
                ROWS_FIRST_PAGE
            } else {
                ROWS_NEXT_PAGE
            };
            assert!(last.len() + FOOT_ROWS <= capacity, "{rows}: {last:?}");
            assert!(rows == 0 || !last.is_empty(), "{rows}: the foot alone");
        }
        // the last rows of an all-but-full first page go with the foot
        let pages = paginate(ROWS_FIRST_PAGE - 1);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1].len(), KEEP_WITH_FOOT);
    }

    #[test]
    fn long_text_wraps_and_shrinks_and_is_cut_only_as_a_last_resort() {
        let (size, lines) = fit("Dewi Lestari", Font::Regular, 80.0);
        assert_eq!((size, lines.len()), (BODY_SIZE, 1));
        let (size, lines) = fit(
            "Lembaga Pemasyarakatan Narkotika Kelas IIA Kasongan",
            Font::Regular,
            25.0 * MM - 2.0 * PAD,
        );
        assert!(lines.len() <= 4, "{lines:?}");
        assert!(size <= BODY_SIZE);
        // the unit names of the province fit their column uncut
        let (_, lines) = fit(
            "Lembaga Pemasyarakatan Narkotika Kelas IIA Kasongan",
            Font::Regular,
            Layout::new().width(5) - 2.0 * PAD,
        );
        assert!(!lines.iter().any(|l| l.ends_with("...")), "{lines:?}");
        let (_, lines) = fit(&"Panjang ".repeat(40), Font::Regular, 60.0);
        assert_eq!(lines.len(), 4);
        assert!(lines[3].ends_with("..."), "{lines:?}");
    }

    #[test]
    fn a_sheet_renders_one_page_per_section_for_a_few_rows() {
        let row = |name: &str, status| Row {
            name: name.to_owned(),
            nip: "198503012010011001".to_owned(),
            pangkat: "Penata Muda (III/a)".to_owned(),
            jabatan: "Pembina Kemasyarakatan".to_owned(),
            unit: "Lapas Narkotika Kelas IIA Kasongan".to_owned(),
            status,
        };
        let section = Section {
            session_title: "Seminar".to_owned(),
            day_date: "Sabtu, 2 Agustus 2025".to_owned(),
            time: "08.00 - 09.30 WIB".to_owned(),
            place: "Aula".to_owned(),
            place_and_date: "Kasongan, 2 Agustus 2025".to_owned(),
            rows: vec![
                row("Budi", Some(AttendanceStatus::Present)),
                row("Dewi", Some(AttendanceStatus::Sick)),
            ],
        };
        let sheet = Sheet {
            letterhead: vec!["KEMENTERIAN".to_owned()],
            event_title: "Bimtek".to_owned(),
            filled: true,
            signatory: Signatory::default(),
            sections: vec![section.clone(), section],
        };
        let bytes = render(&sheet);
        assert!(bytes.starts_with(b"%PDF-"));
    }
}
