//! The printable certificate: one A4 landscape page in Indonesian, drawn with printpdf's built-in Helvetica (no
//! font files to ship) and a QR code of vector squares pointing to the public verification page.

use chrono::NaiveDate;
use printpdf::{
    BuiltinFont, Color, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt,
    Rect, Rgb, TextItem,
};
use qrcode::{EcLevel, QrCode};

use crate::domain::certificate::{rentang_tanggal, tanggal};

pub mod attendance;
use crate::domain::enums::CertificateKind;

/// What the page shows.
#[derive(Debug, Clone)]
pub struct CertificatePage<'a> {
    pub kind: CertificateKind,
    pub number: &'a str,
    pub holder_name: &'a str,
    pub event_title: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub host_unit_name: &'a str,
    pub jp: f64,
    /// The issue date in WIB.
    pub issued_on: NaiveDate,
    /// `{PUBLIC_BASE_URL}/verify/{code}`: the QR code's content.
    pub verify_url: &'a str,
}

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 297.0 * MM;
const PAGE_H: f32 = 210.0 * MM;

/// Advance widths (1/1000 em) of Helvetica and Helvetica-Bold for ASCII 32..=126, from Adobe's AFM files; other
/// characters are measured as a digit. Used to centre and wrap lines.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

#[derive(Debug, Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn builtin(self) -> BuiltinFont {
        match self {
            Font::Regular => BuiltinFont::Helvetica,
            Font::Bold => BuiltinFont::HelveticaBold,
        }
    }

    /// The width of `text` in points at `size`.
    fn width(self, text: &str, size: f32) -> f32 {
        let table = match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        };
        let units: u32 = text
            .chars()
            .map(|c| {
                let i = (c as usize).wrapping_sub(32);
                u32::from(table.get(i).copied().unwrap_or(556))
            })
            .sum();
        units as f32 * size / 1000.0
    }
}

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

struct Canvas {
    ops: Vec<Op>,
}

impl Canvas {
    fn text(&mut self, text: &str, font: Font, size: f32, x: f32, y: f32, color: Color) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor { col: color },
            Op::SetTextCursor {
                pos: printpdf::Point { x: Pt(x), y: Pt(y) },
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font.builtin()),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// A line centred on the page, shrunk until it fits `max_width`.
    fn centred(&mut self, text: &str, font: Font, size: f32, y: f32, color: Color) {
        let max_width = PAGE_W - 60.0 * MM;
        let mut size = size;
        while font.width(text, size) > max_width && size > 6.0 {
            size -= 0.5;
        }
        let x = (PAGE_W - font.width(text, size)) / 2.0;
        self.text(text, font, size, x, y, color);
    }

    fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, mode: PaintMode) {
        let mut rectangle = Rect::from_xywh(Pt(x), Pt(y), Pt(width), Pt(height));
        rectangle.mode = Some(mode);
        self.ops.push(Op::DrawRectangle { rectangle });
    }
}

/// Splits `text` into at most `max_lines` lines no wider than `width` points; the last line takes the rest.
fn wrap(text: &str, font: Font, size: f32, width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if font.width(&candidate, size) > width
            && !current.is_empty()
            && lines.len() + 1 < max_lines
        {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// JP without a needless `.0`: `32`, `1.5`.
pub fn format_jp(jp: f64) -> String {
    if jp.fract() == 0.0 {
        format!("{jp:.0}")
    } else {
        format!("{jp}")
    }
}

/// Draws `url` as a QR code whose lower left corner is at (`x`, `y`), `size` points wide. Dark modules of a row
/// are merged into one rectangle.
fn qr(
    canvas: &mut Canvas,
    url: &str,
    x: f32,
    y: f32,
    size: f32,
) -> Result<(), qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
    let n = code.width();
    let colors = code.to_colors();
    // Four modules of quiet zone on each side, as the standard asks.
    let module = size / (n + 8) as f32;
    canvas.ops.push(Op::SetFillColor {
        col: rgb(0.0, 0.0, 0.0),
    });
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                canvas.rect(
                    x + (start + 4) as f32 * module,
                    y + size - (row + 5) as f32 * module,
                    (col - start) as f32 * module,
                    module,
                    PaintMode::Fill,
                );
            } else {
                col += 1;
            }
        }
    }
    Ok(())
}

/// The PDF of a certificate.
pub fn render(page: &CertificatePage<'_>) -> Result<Vec<u8>, qrcode::types::QrError> {
    let ink = || rgb(0.1, 0.1, 0.15);
    let accent = || rgb(0.05, 0.2, 0.45);
    let mut canvas = Canvas { ops: Vec::new() };

    // Frame: a thick outer border and a thin inner one.
    canvas.ops.extend([
        Op::SetOutlineColor { col: accent() },
        Op::SetOutlineThickness { pt: Pt(3.0) },
    ]);
    canvas.rect(
        10.0 * MM,
        10.0 * MM,
        PAGE_W - 20.0 * MM,
        PAGE_H - 20.0 * MM,
        PaintMode::Stroke,
    );
    canvas.ops.push(Op::SetOutlineThickness { pt: Pt(0.8) });
    canvas.rect(
        14.0 * MM,
        14.0 * MM,
        PAGE_W - 28.0 * MM,
        PAGE_H - 28.0 * MM,
        PaintMode::Stroke,
    );

    let (title, lead) = match page.kind {
        CertificateKind::Sertifikat => ("SERTIFIKAT", "atas keberhasilannya mengikuti"),
        CertificateKind::SuratKeterangan => ("SURAT KETERANGAN", "telah mengikuti"),
    };
    canvas.centred(
        "BIMBINGAN TEKNIS",
        Font::Bold,
        13.0,
        PAGE_H - 34.0 * MM,
        accent(),
    );
    canvas.centred(title, Font::Bold, 34.0, PAGE_H - 52.0 * MM, accent());
    canvas.centred(
        &format!("Nomor: {}", page.number),
        Font::Regular,
        12.0,
        PAGE_H - 61.0 * MM,
        ink(),
    );
    canvas.centred(
        "diberikan kepada",
        Font::Regular,
        13.0,
        PAGE_H - 76.0 * MM,
        ink(),
    );
    canvas.centred(
        page.holder_name,
        Font::Bold,
        24.0,
        PAGE_H - 90.0 * MM,
        ink(),
    );
    canvas.centred(lead, Font::Regular, 13.0, PAGE_H - 103.0 * MM, ink());
    let mut y = PAGE_H - 114.0 * MM;
    for line in wrap(page.event_title, Font::Bold, 16.0, PAGE_W - 70.0 * MM, 3) {
        canvas.centred(&line, Font::Bold, 16.0, y, ink());
        y -= 7.5 * MM;
    }
    canvas.centred(
        &format!(
            "yang diselenggarakan di {} pada {}",
            page.host_unit_name,
            rentang_tanggal(page.starts_on, page.ends_on)
        ),
        Font::Regular,
        12.0,
        y - 1.5 * MM,
        ink(),
    );
    canvas.centred(
        &format!("dengan jumlah {} jam pelajaran (JP)", format_jp(page.jp)),
        Font::Regular,
        12.0,
        y - 8.5 * MM,
        ink(),
    );
    canvas.text(
        &format!("Diterbitkan pada {}", tanggal(page.issued_on)),
        Font::Regular,
        11.0,
        24.0 * MM,
        26.0 * MM,
        ink(),
    );

    // The QR code, bottom right, with its caption under it.
    let size = 34.0 * MM;
    let qr_x = PAGE_W - 24.0 * MM - size;
    let qr_y = 24.0 * MM;
    qr(&mut canvas, page.verify_url, qr_x, qr_y, size)?;
    let caption = "Pindai untuk memeriksa keabsahan";
    canvas.text(
        caption,
        Font::Regular,
        7.5,
        qr_x + (size - Font::Regular.width(caption, 7.5)) / 2.0,
        qr_y - 2.0 * MM,
        ink(),
    );
    let url_size = if Font::Regular.width(page.verify_url, 6.0) > 80.0 * MM {
        4.5
    } else {
        6.0
    };
    canvas.text(
        page.verify_url,
        Font::Regular,
        url_size,
        qr_x + size - Font::Regular.width(page.verify_url, url_size),
        qr_y - 5.5 * MM,
        ink(),
    );

    let mut document = PdfDocument::new(&format!("{title} {}", page.number));
    let pdf_page = PdfPage::new(printpdf::Mm(297.0), printpdf::Mm(210.0), canvas.ops);
    let bytes = document
        .with_pages(vec![pdf_page])
        .save(&PdfSaveOptions::default(), &mut Vec::new());
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(kind: CertificateKind) -> CertificatePage<'static> {
        CertificatePage {
            kind,
            number: "1/BIMTEK/LPN-KSG/2025",
            holder_name: "Dewi Lestari",
            event_title: "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
            starts_on: NaiveDate::from_ymd_opt(2025, 8, 2).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2025, 8, 2).unwrap(),
            host_unit_name: "Lapas Narkotika Kelas IIA Kasongan",
            jp: 12.0,
            issued_on: NaiveDate::from_ymd_opt(2025, 8, 4).unwrap(),
            verify_url: "http://localhost:8080/verify/abcdefghijklmnopqrstuvwxyz234567",
        }
    }

    #[test]
    fn a_certificate_is_a_one_page_pdf() {
        let bytes = render(&page(CertificateKind::Sertifikat)).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.len() > 1000);
        let letter = render(&page(CertificateKind::SuratKeterangan)).unwrap();
        assert!(letter.starts_with(b"%PDF-"));
    }

    #[test]
    fn long_titles_wrap_and_widths_follow_the_font() {
        let lines = wrap(
            "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
            Font::Bold,
            16.0,
            300.0,
            3,
        );
        assert!(lines.len() >= 2 && lines.len() <= 3, "{lines:?}");
        assert!(Font::Bold.width("W", 10.0) > Font::Regular.width("i", 10.0));
        assert_eq!(Font::Regular.width("0", 1000.0), 556.0);
        assert_eq!(format_jp(12.0), "12");
        assert_eq!(format_jp(1.5), "1.5");
    }
}
