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

use chrono::{DateTime, Utc};
use printpdf::{Color, PaintMode};

use super::canvas::{Align, Canvas, DocumentInfo, rgb};
use super::{DocumentError, Font, Fonts, Letterhead, MM};
use crate::domain::enums::AttendanceStatus;
use crate::domain::labels::Label;

const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const MARGIN_X: f32 = 15.0 * MM;
const TOP: f32 = 10.0 * MM;
/// The lowest point a row may reach: above the page number.
const BOTTOM: f32 = 18.0 * MM;

/// The height of every table row: room for a signature, or for three short lines of text.
pub const ROW_H_MM: f32 = 10.0;
const ROW_H: f32 = ROW_H_MM * MM;
const HEADER_H: f32 = 9.0 * MM;
/// The room the letterhead has on a section's first page: the built-in one and one with a logo fit; a taller one
/// pushes the table down (and the first page holds fewer rows).
pub const LETTERHEAD_BAND_MM: f32 = 33.0;
/// The title and the session's details under the letterhead.
const DETAILS_H: f32 = 44.0 * MM;
/// Letterhead, title and the session's details, above the table of a section's first page.
const FIRST_HEAD_H: f32 = LETTERHEAD_BAND_MM * MM + DETAILS_H;
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
    ("Nama", 31.0),
    ("NIP", 30.0),
    ("Pangkat/Gol.", 22.0),
    ("Jabatan", 26.0),
    ("Unit Kerja", 34.0),
    ("Tanda Tangan", 30.0),
];
const SIGNATURE: usize = 6;

const BODY_SIZE: f32 = 7.5;
const SMALL_SIZE: f32 = 6.5;
const PAD: f32 = 1.2 * MM;
/// The width of the table's rules, in points.
const GRID: f32 = 0.5;

/// The rows of each page of a section of `rows` officers, the first page holding `first` (at most
/// [`ROWS_FIRST_PAGE`], fewer under a tall letterhead); the foot goes on the last page.
pub fn paginate(rows: usize, first: usize) -> Vec<Range<usize>> {
    let first = first.clamp(KEEP_WITH_FOOT + FOOT_ROWS, ROWS_FIRST_PAGE);
    let mut pages = Vec::new();
    let mut start = 0;
    loop {
        let capacity = if pages.is_empty() {
            first
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
    /// The host unit's letterhead (kop surat).
    pub letterhead: Letterhead,
    /// Printed in the PDF's metadata.
    pub created_at: DateTime<Utc>,
    pub event_title: String,
    /// Whether the recorded statuses are printed (after the session) or the cells are left empty (before it).
    pub filled: bool,
    pub signatory: Signatory,
    pub sections: Vec<Section>,
}

fn ink() -> Color {
    super::canvas::ink()
}

fn grey() -> Color {
    rgb(0.35, 0.35, 0.35)
}

/// The sizes a cell's text tries, each with the lines it may take in a row.
const TIERS: [(f32, usize); 3] = [(BODY_SIZE, 2), (SMALL_SIZE, 3), (5.6, 4)];

/// Lines of `text` that fit `width`: two lines, or more in a smaller size; the last line is cut with `...` only
/// when even the smallest size is not enough.
fn fit(canvas: &Canvas<'_>, text: &str, font: Font, width: f32) -> (f32, Vec<String>) {
    let mut fitted = (BODY_SIZE, Vec::new());
    for (size, max_lines) in TIERS {
        let lines = canvas.wrap(text, font, size, width, max_lines);
        let fits = lines.iter().all(|l| canvas.measure(l, font, size) <= width);
        fitted = (size, lines);
        if fits {
            return fitted;
        }
    }
    let (size, mut lines) = fitted;
    if let Some(last) = lines.last_mut() {
        let mut cut: String = last.clone();
        while !cut.is_empty() && canvas.measure(&format!("{cut}..."), font, size) > width {
            cut.pop();
        }
        *last = format!("{}...", cut.trim_end());
    }
    (size, lines)
}

/// A horizontal rule of the table.
fn hline(canvas: &mut Canvas<'_>, x0: f32, x1: f32, y: f32) {
    canvas.rule(x0, x1, y, GRID, ink());
}

/// A vertical rule of the table from `top` down to `bottom`.
fn vline(canvas: &mut Canvas<'_>, x: f32, top: f32, bottom: f32, color: Color) {
    canvas.fill_color(color);
    canvas.rect(x - GRID / 2.0, bottom, GRID, top - bottom, PaintMode::Fill);
}

/// Lines of text in a box from `top` down, vertically centred in `height`.
fn cell_lines(
    canvas: &mut Canvas<'_>,
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
        canvas.text(line, font, size, x, baseline, Align::Left, ink());
        baseline -= leading;
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

/// The title and the session's details under the letterhead, from `y` (where the letterhead ends) down.
fn details(canvas: &mut Canvas<'_>, sheet: &Sheet, section: &Section, y: f32) {
    let mut y = y - 6.0 * MM;
    canvas.text(
        "DAFTAR HADIR",
        Font::Bold,
        14.0,
        PAGE_W / 2.0,
        y,
        Align::Centre,
        ink(),
    );
    y -= 7.0 * MM;
    let value_x = MARGIN_X + 27.0 * MM;
    let value_width = PAGE_W - MARGIN_X - value_x;
    let rows: [(&str, &str, usize, Font); 5] = [
        ("Kegiatan", &sheet.event_title, 2, Font::Bold),
        ("Sesi", &section.session_title, 2, Font::Regular),
        ("Hari/Tanggal", &section.day_date, 1, Font::Regular),
        ("Waktu", &section.time, 1, Font::Regular),
        ("Tempat", &section.place, 1, Font::Regular),
    ];
    for (label, value, max_lines, font) in rows {
        canvas.text(label, Font::Regular, 9.0, MARGIN_X, y, Align::Left, ink());
        canvas.text(
            ":",
            Font::Regular,
            9.0,
            value_x - 2.5 * MM,
            y,
            Align::Left,
            ink(),
        );
        for line in canvas.wrap(value, font, 9.0, value_width, max_lines) {
            canvas.text(&line, font, 9.0, value_x, y, Align::Left, ink());
            y -= 4.6 * MM;
        }
    }
}

/// The running head of a section's following pages.
fn next_head(canvas: &mut Canvas<'_>, section: &Section, layout: &Layout) {
    let y = PAGE_H - TOP - 5.0 * MM;
    let text = format!(
        "DAFTAR HADIR (lanjutan) - {} - {}",
        section.session_title, section.day_date
    );
    // A long session title is cut (it is printed whole on the section's first page), never past the table.
    let line = canvas.ellipsize(&text, Font::Bold, 8.5, layout.right() - MARGIN_X);
    canvas.text(&line, Font::Bold, 8.5, MARGIN_X, y, Align::Left, ink());
}

/// The table's header row with its top edge at `top`.
fn table_header(canvas: &mut Canvas<'_>, layout: &Layout, top: f32) {
    canvas.fill_color(rgb(0.88, 0.88, 0.88));
    canvas.rect(
        MARGIN_X,
        top - HEADER_H,
        layout.right() - MARGIN_X,
        HEADER_H,
        PaintMode::Fill,
    );
    hline(canvas, MARGIN_X, layout.right(), top);
    for (i, (title, _)) in COLUMNS.iter().enumerate() {
        let x = layout.x(i);
        let lines = canvas.wrap(title, Font::Bold, 7.5, layout.width(i) - 2.0 * PAD, 2);
        let leading = 7.5 * 1.18;
        let mut y = top - (HEADER_H - leading * lines.len() as f32) / 2.0 - 7.5 * 0.9;
        for line in &lines {
            canvas.text(
                line,
                Font::Bold,
                7.5,
                x + layout.width(i) / 2.0,
                y,
                Align::Centre,
                ink(),
            );
            y -= leading;
        }
    }
    for i in 0..=COLUMNS.len() {
        vline(canvas, layout.x(i), top, top - HEADER_H, ink());
    }
    hline(canvas, MARGIN_X, layout.right(), top - HEADER_H);
}

/// One officer's row with its top edge at `top`; `number` counts from 1.
fn row(canvas: &mut Canvas<'_>, layout: &Layout, filled: bool, number: usize, row: &Row, top: f32) {
    let bottom = top - ROW_H;
    hline(canvas, MARGIN_X, layout.right(), bottom);
    cell_lines(
        canvas,
        &[number.to_string()],
        Font::Regular,
        BODY_SIZE,
        layout.x(0) + PAD,
        top,
        ROW_H,
    );
    let texts = [&row.name, &row.nip, &row.pangkat, &row.jabatan, &row.unit];
    for (i, text) in texts.iter().enumerate() {
        let column = i + 1;
        let (size, lines) = fit(
            canvas,
            text,
            Font::Regular,
            layout.width(column) - 2.0 * PAD,
        );
        cell_lines(
            canvas,
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
    canvas: &mut Canvas<'_>,
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
    canvas.text(
        &label,
        Font::Regular,
        6.5,
        own + 1.0 * MM,
        baseline,
        Align::Left,
        ink(),
    );
    let line_from = own + 1.0 * MM + canvas.measure(&label, Font::Regular, 6.5) + 0.6 * MM;
    let status = status.filter(|_| filled);
    match status {
        Some(status) if !status.attended() => {
            canvas.text(
                status.label(),
                Font::Bold,
                7.0,
                line_from,
                baseline,
                Align::Left,
                ink(),
            );
        }
        _ => canvas.rule(
            line_from,
            own + half - 1.2 * MM,
            baseline - 0.5,
            0.4,
            grey(),
        ),
    }
    if let Some(status) = status.filter(|s| s.attended()) {
        canvas.text(
            status.label(),
            Font::Regular,
            6.5,
            other + half / 2.0,
            baseline,
            Align::Centre,
            grey(),
        );
    }
}

/// The vertical rules of the rows from `top` down to `bottom`.
fn columns(canvas: &mut Canvas<'_>, layout: &Layout, top: f32, bottom: f32) {
    for i in 0..=COLUMNS.len() {
        vline(canvas, layout.x(i), top, bottom, ink());
    }
    // the line between the halves of the signature column, lighter
    let middle = layout.x(SIGNATURE) + layout.width(SIGNATURE) / 2.0;
    vline(canvas, middle, top, bottom, rgb(0.7, 0.7, 0.7));
}

/// The tally and the signature block with its top at `top`.
fn foot(canvas: &mut Canvas<'_>, sheet: &Sheet, section: &Section, layout: &Layout, top: f32) {
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
    canvas.text(&tally, Font::Regular, 8.0, MARGIN_X, y, Align::Left, ink());
    // The block's lines share a left edge: 70 mm from the table's right edge, further left when a line (a long
    // host unit in the place and date) would pass it.
    let name = sheet.signatory.name.as_ref().map(|name| {
        let lines = canvas.wrap(name, Font::Bold, 9.0, 70.0 * MM, 1);
        lines.into_iter().next().unwrap_or_default()
    });
    let widest = [
        canvas.measure(&section.place_and_date, Font::Regular, 9.0),
        name.as_ref()
            .map_or(0.0, |n| canvas.measure(n, Font::Bold, 9.0)),
    ]
    .into_iter()
    .fold(70.0 * MM, f32::max)
    .min(layout.right() - MARGIN_X);
    let x = layout.right() - widest;
    y -= 7.0 * MM;
    canvas.text(
        &section.place_and_date,
        Font::Regular,
        9.0,
        x,
        y,
        Align::Left,
        ink(),
    );
    y -= 4.6 * MM;
    canvas.text(
        "Panitia Penyelenggara,",
        Font::Regular,
        9.0,
        x,
        y,
        Align::Left,
        ink(),
    );
    y -= 22.0 * MM;
    match &name {
        Some(name) => {
            canvas.text(name, Font::Bold, 9.0, x, y, Align::Left, ink());
            let width = canvas.measure(name, Font::Bold, 9.0);
            canvas.rule(x, x + width, y - 1.0, 0.5, ink());
        }
        None => canvas.text(
            "(.................................................)",
            Font::Regular,
            9.0,
            x,
            y,
            Align::Left,
            ink(),
        ),
    }
    y -= 4.6 * MM;
    let nip = match &sheet.signatory.nip {
        Some(nip) => format!("NIP. {nip}"),
        None => "NIP. ...............................................".to_owned(),
    };
    canvas.text(&nip, Font::Regular, 9.0, x, y, Align::Left, ink());
}

fn page_number(canvas: &mut Canvas<'_>, page: usize, pages: usize) {
    canvas.text(
        &format!("Halaman {page} dari {pages}"),
        Font::Regular,
        8.0,
        PAGE_W - MARGIN_X,
        11.0 * MM,
        Align::Right,
        grey(),
    );
}

/// Draws one section's pages, starting on the canvas's current (empty) page.
fn section_pages(canvas: &mut Canvas<'_>, sheet: &Sheet, section: &Section, layout: &Layout) {
    // The letterhead first: where it ends says how many rows the first page holds.
    let under_letterhead = sheet
        .letterhead
        .draw(canvas, MARGIN_X, PAGE_W - MARGIN_X, PAGE_H - TOP);
    details(canvas, sheet, section, under_letterhead);
    let first_top = (PAGE_H - TOP - FIRST_HEAD_H).min(under_letterhead - DETAILS_H);
    let first_rows = ((first_top - HEADER_H - BOTTOM) / ROW_H).max(0.0) as usize;
    let pages = paginate(section.rows.len(), first_rows);
    let count = pages.len();
    for (index, range) in pages.into_iter().enumerate() {
        let table_top = if index == 0 {
            first_top
        } else {
            canvas.new_page();
            next_head(canvas, section, layout);
            PAGE_H - TOP - NEXT_HEAD_H
        };
        table_header(canvas, layout, table_top);
        let rows_top = table_top - HEADER_H;
        let mut top = rows_top;
        for i in range {
            row(canvas, layout, sheet.filled, i + 1, &section.rows[i], top);
            top -= ROW_H;
        }
        columns(canvas, layout, rows_top, top);
        if index + 1 == count {
            foot(canvas, sheet, section, layout, top);
        }
        page_number(canvas, index + 1, count);
    }
}

/// The PDF of a daftar hadir.
pub fn render(fonts: &Fonts, sheet: &Sheet) -> Result<Vec<u8>, DocumentError> {
    let layout = Layout::new();
    let mut canvas = Canvas::new(fonts, 210.0, 297.0);
    for (i, section) in sheet.sections.iter().enumerate() {
        if i > 0 {
            canvas.new_page();
        }
        section_pages(&mut canvas, sheet, section, &layout);
    }
    canvas.finish(&DocumentInfo {
        title: format!("Daftar Hadir {}", sheet.event_title),
        subject: format!("Daftar hadir: {}", sheet.event_title),
        author: sheet.letterhead.heading.last().cloned().unwrap_or_default(),
        created_at: sheet.created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::fonts::tests::fonts;
    use crate::documents::letterhead;

    #[test]
    fn the_columns_fill_the_width_between_the_margins() {
        let total: f32 = COLUMNS.iter().map(|(_, w)| w).sum();
        assert!((total - 180.0).abs() < 0.01, "{total}");
        // an 18-digit NIP fits its column on one line, in the smaller size
        let fonts = fonts();
        let nip_width = fonts.width(Font::Regular, "198503012010011001", SMALL_SIZE);
        assert!(nip_width < Layout::new().width(2) - 2.0 * PAD);
    }

    #[test]
    fn the_built_in_letterhead_fits_its_band() {
        let fonts = fonts();
        let mut canvas = Canvas::new(&fonts, 210.0, 297.0);
        let top = PAGE_H - TOP;
        let under = letterhead::builtin().draw(&mut canvas, MARGIN_X, PAGE_W - MARGIN_X, top);
        assert!(
            top - under <= LETTERHEAD_BAND_MM * MM,
            "{}",
            (top - under) / MM
        );
    }

    #[test]
    fn pages_hold_every_row_once_and_the_foot_never_stands_alone() {
        for first in [ROWS_FIRST_PAGE, ROWS_FIRST_PAGE - 4] {
            for rows in [0, 1, 5, first, first + 1, 100, 500, 501] {
                let pages = paginate(rows, first);
                let flat: Vec<usize> = pages.iter().flat_map(Clone::clone).collect();
                assert_eq!(flat, (0..rows).collect::<Vec<_>>(), "{rows}");
                let last = pages.last().unwrap();
                let capacity = if pages.len() == 1 {
                    first
                } else {
                    ROWS_NEXT_PAGE
                };
                assert!(last.len() + FOOT_ROWS <= capacity, "{rows}: {last:?}");
                assert!(rows == 0 || !last.is_empty(), "{rows}: the foot alone");
                assert!(pages[0].len() <= first);
            }
        }
        // the last rows of an all-but-full first page go with the foot
        let pages = paginate(ROWS_FIRST_PAGE - 1, ROWS_FIRST_PAGE);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1].len(), KEEP_WITH_FOOT);
    }

    #[test]
    fn long_text_wraps_and_shrinks_and_is_cut_only_as_a_last_resort() {
        let fonts = fonts();
        let canvas = Canvas::new(&fonts, 210.0, 297.0);
        let (size, lines) = fit(&canvas, "Dewi Lestari", Font::Regular, 80.0);
        assert_eq!((size, lines.len()), (BODY_SIZE, 1));
        // the unit names of the province fit their column uncut
        let (_, lines) = fit(
            &canvas,
            "Lembaga Pemasyarakatan Narkotika Kelas IIA Kasongan",
            Font::Regular,
            Layout::new().width(5) - 2.0 * PAD,
        );
        assert!(!lines.iter().any(|l| l.ends_with("...")), "{lines:?}");
        let (_, lines) = fit(&canvas, &"Panjang ".repeat(40), Font::Regular, 60.0);
        assert_eq!(lines.len(), 4);
        assert!(lines[3].ends_with("..."), "{lines:?}");
    }

    #[test]
    fn a_sheet_renders_one_page_per_section_for_a_few_rows() {
        let row = |name: &str, status| Row {
            name: name.to_owned(),
            nip: "198503012010011001".to_owned(),
            pangkat: "Penata Muda, III/a".to_owned(),
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
            letterhead: letterhead::builtin(),
            created_at: Utc::now(),
            event_title: "Bimtek".to_owned(),
            filled: true,
            signatory: Signatory::default(),
            sections: vec![section.clone(), section],
        };
        let bytes = render(&fonts(), &sheet).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let parsed =
            printpdf::PdfDocument::parse(&bytes, &Default::default(), &mut Vec::new()).unwrap();
        assert_eq!(parsed.pages.len(), 2);
    }
}
