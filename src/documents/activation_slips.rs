//! The activation slips of participant accounts issued in bulk: A4 portrait, four slips a page, one officer per
//! slip, separated by dashed cut lines. Each slip: the officer's name, NIP and unit, the code large enough to type
//! from, its expiry, the activation address (also as a QR code) and the three steps, in Indonesian.

use chrono::{DateTime, NaiveDate, Utc};
use printpdf::PaintMode;

use super::canvas::{Align, ink, rgb};
use super::{Canvas, DocumentError, DocumentInfo, Font, Fonts, MM};
use crate::domain::certificate::tanggal;

/// Slips on one page.
pub const PER_PAGE: usize = 4;

/// One officer's slip.
#[derive(Debug, Clone)]
pub struct Slip {
    pub full_name: String,
    pub nip: String,
    pub unit_name: String,
    /// The code as printed (`7KQ4-M2XD-9RTB`).
    pub code: String,
}

/// Everything the slips show.
#[derive(Debug, Clone)]
pub struct SlipSheet {
    /// The office that issues the accounts (the PDF's author).
    pub office: String,
    pub activation_url: String,
    /// The last day the codes are valid (WIB).
    pub valid_until: NaiveDate,
    /// The shortest password allowed.
    pub password_min: usize,
    pub slips: Vec<Slip>,
    pub created_at: DateTime<Utc>,
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 14.0 * MM;

fn grey() -> printpdf::Color {
    rgb(0.42, 0.42, 0.45)
}

/// A dashed horizontal line across the page at `y`, with "gunting di sini" at its right end.
fn cut_line(canvas: &mut Canvas<'_>, y: f32) {
    let (dash, gap) = (3.0 * MM, 1.6 * MM);
    let label = "gunting di sini";
    let label_w = canvas.measure(label, Font::Regular, 6.5);
    let end = canvas.width() - 6.0 * MM - label_w - 2.0 * MM;
    let mut x = 6.0 * MM;
    while x + dash <= end {
        canvas.rule(x, x + dash, y, 0.5, grey());
        x += dash + gap;
    }
    canvas.text(
        label,
        Font::Regular,
        6.5,
        canvas.width() - 6.0 * MM,
        y - 2.2,
        Align::Right,
        grey(),
    );
}

fn slip(
    canvas: &mut Canvas<'_>,
    sheet: &SlipSheet,
    slip: &Slip,
    top: f32,
) -> Result<(), DocumentError> {
    let left = MARGIN;
    let right = canvas.width() - MARGIN;
    let qr_size = 30.0 * MM;
    let text_right = right - qr_size - 6.0 * MM;

    let mut y = top - 11.0 * MM;
    canvas.text(
        "AKTIVASI AKUN PESERTA BIMTEK",
        Font::Bold,
        11.5,
        left,
        y,
        Align::Left,
        ink(),
    );
    canvas.text(
        "RAHASIA \u{2013} hanya untuk pegawai yang namanya tertera",
        Font::Regular,
        7.0,
        right,
        y,
        Align::Right,
        grey(),
    );
    y -= 3.2 * MM;
    canvas.rule(left, right, y, 0.6, ink());

    let label_w = 27.0 * MM;
    let value_w = text_right - left - label_w;
    y -= 6.0 * MM;
    for (label, value) in [
        ("Nama", slip.full_name.as_str()),
        ("NIP", slip.nip.as_str()),
        ("Unit Kerja", slip.unit_name.as_str()),
    ] {
        canvas.text(label, Font::Regular, 9.5, left, y, Align::Left, grey());
        let shown = canvas.ellipsize(value, Font::Bold, 9.5, value_w);
        canvas.text(
            &shown,
            Font::Bold,
            9.5,
            left + label_w,
            y,
            Align::Left,
            ink(),
        );
        y -= 5.2 * MM;
    }

    // The code, in a shaded box wide enough to read from at arm's length.
    let box_h = 11.0 * MM;
    let box_top = y + 1.2 * MM;
    canvas.fill_color(rgb(0.93, 0.94, 0.96));
    canvas.rect(
        left,
        box_top - box_h,
        text_right - left,
        box_h,
        PaintMode::Fill,
    );
    canvas.text(
        "Kode aktivasi",
        Font::Regular,
        8.0,
        left + 3.0 * MM,
        box_top - 6.8 * MM,
        Align::Left,
        grey(),
    );
    canvas.text(
        &slip.code,
        Font::Bold,
        17.0,
        left + label_w,
        box_top - 7.6 * MM,
        Align::Left,
        ink(),
    );
    y = box_top - box_h - 4.6 * MM;
    canvas.text(
        &format!(
            "Berlaku sampai {} (sekali pakai)",
            tanggal(sheet.valid_until)
        ),
        Font::Regular,
        8.5,
        left,
        y,
        Align::Left,
        ink(),
    );

    y -= 5.4 * MM;
    // The address in bold after its step number, so that it stands out to be typed.
    let lead = "1. Buka ";
    let lead_w = canvas.measure(lead, Font::Regular, 8.0);
    let url_w = canvas.measure(&sheet.activation_url, Font::Bold, 8.5);
    let mut steps = Vec::new();
    if lead_w + url_w <= text_right - left {
        canvas.text(lead, Font::Regular, 8.0, left, y, Align::Left, ink());
        canvas.text(
            &sheet.activation_url,
            Font::Bold,
            8.5,
            left + lead_w,
            y,
            Align::Left,
            ink(),
        );
        y -= 3.9 * MM;
    } else {
        steps.push(format!("{lead}{}", sheet.activation_url));
    }
    steps.extend([
        "2. Masukkan NIP dan kode aktivasi di atas.".to_owned(),
        format!(
            "3. Buat kata sandi baru (minimal {} karakter). Setelah itu, masuk dengan NIP dan kata sandi tersebut.",
            sheet.password_min
        ),
    ]);
    for step in &steps {
        for line in canvas.wrap(step, Font::Regular, 8.0, text_right - left, 2) {
            canvas.text(&line, Font::Regular, 8.0, left, y, Align::Left, ink());
            y -= 3.7 * MM;
        }
    }

    let qr_top = top - 17.5 * MM;
    canvas.qr(
        &sheet.activation_url,
        right - qr_size,
        qr_top - qr_size,
        qr_size,
    )?;
    let caption = canvas.wrap(
        "Pindai untuk membuka halaman aktivasi",
        Font::Regular,
        6.5,
        qr_size,
        2,
    );
    let mut cy = qr_top - qr_size - 2.6 * MM;
    for line in caption {
        canvas.text(
            &line,
            Font::Regular,
            6.5,
            right - qr_size / 2.0,
            cy,
            Align::Centre,
            grey(),
        );
        cy -= 2.8 * MM;
    }
    Ok(())
}

/// The slips, four a page, in the order given.
pub fn render(fonts: &Fonts, sheet: &SlipSheet) -> Result<Vec<u8>, DocumentError> {
    let mut canvas = Canvas::new(fonts, PAGE_W, PAGE_H);
    let slip_h = canvas.height() / PER_PAGE as f32;
    let pages = sheet.slips.len().div_ceil(PER_PAGE).max(1);
    for (page, chunk) in sheet.slips.chunks(PER_PAGE).enumerate() {
        if page > 0 {
            canvas.new_page();
        }
        for (i, one) in chunk.iter().enumerate() {
            let top = canvas.height() - slip_h * i as f32;
            slip(&mut canvas, sheet, one, top)?;
            if i + 1 < PER_PAGE {
                cut_line(&mut canvas, top - slip_h);
            }
        }
        canvas.text(
            &format!("Halaman {} dari {pages}", page + 1),
            Font::Regular,
            6.5,
            canvas.width() / 2.0,
            4.0 * MM,
            Align::Centre,
            grey(),
        );
    }
    canvas.finish(&DocumentInfo {
        title: "Kode Aktivasi Akun Peserta".to_owned(),
        subject: format!("Kode aktivasi akun peserta: {} pegawai", sheet.slips.len()),
        author: sheet.office.clone(),
        created_at: sheet.created_at,
    })
}
