//! The printable certificate (sertifikat) or letter of attendance (surat keterangan): A4 landscape in Indonesian.
//! Page 1: the letterhead, the title and number, the holder (name, NIP, pangkat/golongan, jabatan, unit), what
//! they took part in, the QR code to the public verification page, and the signatory's block (place and date,
//! title, room for a wet signature and stamp or the note of an electronic signature, name, NIP). Page 2 (and more
//! for a long programme): the curriculum, the sessions with their JP and the total.

use chrono::{DateTime, NaiveDate, Utc};
use printpdf::PaintMode;

use super::canvas::{Align, Canvas, DocumentInfo, ink, rgb};
use super::letterhead::Letterhead;
use super::{DocumentError, Font, Fonts, MM};
use crate::domain::certificate::{format_jp, rentang_tanggal, tanggal};
use crate::domain::enums::CertificateKind;

/// The holder as the certificate names them.
#[derive(Debug, Clone)]
pub struct Holder<'a> {
    pub name: &'a str,
    pub nip: Option<&'a str>,
    /// `Penata Muda, III/a`.
    pub rank: Option<String>,
    pub position: Option<&'a str>,
    pub unit: &'a str,
}

/// Who signs, as set on the event (or its program) when the certificate was issued. Empty fields print as dotted
/// lines to be filled in by hand.
#[derive(Debug, Clone, Default)]
pub struct Signatory<'a> {
    pub title: Option<&'a str>,
    pub name: Option<&'a str>,
    pub nip: Option<&'a str>,
    pub place: Option<&'a str>,
    /// Signed electronically: the block carries the note instead of room for a signature and stamp.
    pub electronic: bool,
}

/// One line of the curriculum.
#[derive(Debug, Clone)]
pub struct CurriculumRow<'a> {
    pub title: &'a str,
    pub date: NaiveDate,
    pub jp: f64,
}

/// What the document shows.
#[derive(Debug, Clone)]
pub struct CertificatePage<'a> {
    pub kind: CertificateKind,
    pub number: &'a str,
    pub letterhead: &'a Letterhead,
    pub holder: Holder<'a>,
    pub event_title: &'a str,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub host_unit_name: &'a str,
    /// The JP the holder earned.
    pub jp: f64,
    /// The issue date chosen at issuance.
    pub issued_on: NaiveDate,
    pub signatory: Signatory<'a>,
    /// The event's sessions in order.
    pub curriculum: &'a [CurriculumRow<'a>],
    /// `{PUBLIC_BASE_URL}/verify/{code}`: the QR code's content.
    pub verify_url: &'a str,
    /// The PDF's creation date.
    pub created_at: DateTime<Utc>,
}

const PAGE_W_MM: f32 = 297.0;
const PAGE_H_MM: f32 = 210.0;

fn accent() -> printpdf::Color {
    rgb(0.05, 0.2, 0.45)
}

fn grey() -> printpdf::Color {
    rgb(0.35, 0.35, 0.4)
}

/// The kind's title on the page and in the metadata.
pub fn title_of(kind: CertificateKind) -> &'static str {
    match kind {
        CertificateKind::Sertifikat => "SERTIFIKAT",
        CertificateKind::SuratKeterangan => "SURAT KETERANGAN",
    }
}

/// The note printed in place of a wet signature when the event is signed electronically.
pub const ELECTRONIC_NOTE: [&str; 3] = [
    "Dokumen ini telah ditandatangani secara elektronik.",
    "Keasliannya dapat diperiksa dengan memindai",
    "kode QR pada dokumen ini.",
];

/// Beside the QR code: the certificate also exists as a signed Open Badges 3.0 credential (its holder downloads it).
pub const CREDENTIAL_NOTE: [&str; 2] = [
    "Tersedia juga sebagai kredensial digital terverifikasi (Open Badges 3.0),",
    "yang dapat diunduh pemegang melalui akunnya pada layanan Bimtek.",
];

/// The frame of a page: a thick outer border and a thin inner one.
fn frame(canvas: &mut Canvas<'_>) {
    let (w, h) = (canvas.width(), canvas.height());
    canvas.outline(accent(), 2.4);
    canvas.rect(
        8.0 * MM,
        8.0 * MM,
        w - 16.0 * MM,
        h - 16.0 * MM,
        PaintMode::Stroke,
    );
    canvas.outline(accent(), 0.6);
    canvas.rect(
        11.0 * MM,
        11.0 * MM,
        w - 22.0 * MM,
        h - 22.0 * MM,
        PaintMode::Stroke,
    );
}

/// The PDF of a certificate.
pub fn render(fonts: &Fonts, page: &CertificatePage<'_>) -> Result<Vec<u8>, DocumentError> {
    let mut canvas = Canvas::new(fonts, PAGE_W_MM, PAGE_H_MM);
    let (w, h) = (canvas.width(), canvas.height());
    let (x0, x1) = (20.0 * MM, w - 20.0 * MM);
    let centre = w / 2.0;
    let title = title_of(page.kind);

    frame(&mut canvas);
    let mut y = page.letterhead.draw(&mut canvas, x0, x1, h - 15.0 * MM);

    // Title and number.
    y -= 7.0 * MM;
    canvas.text(title, Font::Bold, 24.0, centre, y, Align::Centre, accent());
    y -= 6.0 * MM;
    canvas.text(
        &format!("Nomor: {}", page.number),
        Font::Regular,
        10.5,
        centre,
        y,
        Align::Centre,
        ink(),
    );
    y -= 8.0 * MM;
    canvas.text(
        "diberikan kepada:",
        Font::Regular,
        10.5,
        centre,
        y,
        Align::Centre,
        ink(),
    );

    // The holder, as a small table of label and value.
    // The table sits about the page centre (looked at: at 88 mm it leaned left).
    let label_x = 100.0 * MM;
    let value_x = label_x + 30.0 * MM;
    let value_width = x1 - 30.0 * MM - value_x;
    let dash = "-";
    let rows: [(&str, &str, Font, f32); 5] = [
        ("Nama", page.holder.name, Font::Bold, 12.0),
        ("NIP", page.holder.nip.unwrap_or(dash), Font::Regular, 10.5),
        (
            "Pangkat/Gol.",
            page.holder.rank.as_deref().unwrap_or(dash),
            Font::Regular,
            10.5,
        ),
        (
            "Jabatan",
            page.holder.position.unwrap_or(dash),
            Font::Regular,
            10.5,
        ),
        ("Unit Kerja", page.holder.unit, Font::Regular, 10.5),
    ];
    y -= 3.0 * MM;
    for (label, value, font, size) in rows {
        y -= 6.0 * MM;
        canvas.text(label, Font::Regular, 10.5, label_x, y, Align::Left, ink());
        canvas.text(
            ":",
            Font::Regular,
            10.5,
            value_x - 3.0 * MM,
            y,
            Align::Left,
            ink(),
        );
        let mut size = size;
        while canvas.measure(value, font, size) > value_width && size > 6.0 {
            size -= 0.25;
        }
        canvas.text(value, font, size, value_x, y, Align::Left, ink());
    }

    // What they took part in.
    let lead = match page.kind {
        CertificateKind::Sertifikat => "atas keberhasilannya mengikuti",
        CertificateKind::SuratKeterangan => "telah mengikuti",
    };
    y -= 9.0 * MM;
    canvas.text(lead, Font::Regular, 10.5, centre, y, Align::Centre, ink());
    for line in canvas.wrap(page.event_title, Font::Bold, 13.0, x1 - x0 - 20.0 * MM, 2) {
        y -= 6.0 * MM;
        canvas.fitted(&line, Font::Bold, 13.0, centre, y, x1 - x0, ink());
    }
    y -= 6.0 * MM;
    let details = format!(
        "yang diselenggarakan di {} pada {}, sebanyak {} jam pelajaran (JP).",
        page.host_unit_name,
        rentang_tanggal(page.starts_on, page.ends_on),
        format_jp(page.jp)
    );
    for line in canvas.wrap(&details, Font::Regular, 10.5, x1 - x0 - 20.0 * MM, 2) {
        canvas.fitted(&line, Font::Regular, 10.5, centre, y, x1 - x0, ink());
        y -= 5.0 * MM;
    }

    // The QR code, bottom left, with its caption.
    let qr_size = 30.0 * MM;
    let qr_x = x0;
    let qr_y = 15.0 * MM;
    canvas.qr(page.verify_url, qr_x, qr_y, qr_size)?;
    canvas.text(
        "Pindai untuk memeriksa keabsahan",
        Font::Regular,
        7.0,
        qr_x + qr_size + 2.0 * MM,
        qr_y + 14.0 * MM,
        Align::Left,
        grey(),
    );
    let mut url_size = 6.5;
    while canvas.measure(page.verify_url, Font::Regular, url_size) > 95.0 * MM && url_size > 4.0 {
        url_size -= 0.25;
    }
    canvas.text(
        page.verify_url,
        Font::Regular,
        url_size,
        qr_x + qr_size + 2.0 * MM,
        qr_y + 10.0 * MM,
        Align::Left,
        grey(),
    );
    for (i, line) in CREDENTIAL_NOTE.iter().enumerate() {
        canvas.text(
            line,
            Font::Regular,
            6.5,
            qr_x + qr_size + 2.0 * MM,
            qr_y + (5.5 - 3.0 * i as f32) * MM,
            Align::Left,
            grey(),
        );
    }

    signature_block(&mut canvas, page, w - 75.0 * MM, 66.0 * MM);

    curriculum(&mut canvas, page);

    canvas.finish(&DocumentInfo {
        title: format!("{title} {}", page.number),
        subject: format!("{title} {}: {}", page.event_title, page.holder.name),
        author: page.letterhead.heading.last().cloned().unwrap_or_default(),
        created_at: page.created_at,
    })
}

/// The signatory's block, centred on `centre`, its first line at `top`.
fn signature_block(canvas: &mut Canvas<'_>, page: &CertificatePage<'_>, centre: f32, top: f32) {
    let s = &page.signatory;
    let dots = "........................................";
    let mut y = top;
    let place = s.place.unwrap_or("....................");
    canvas.text(
        &format!("{place}, {}", tanggal(page.issued_on)),
        Font::Regular,
        10.5,
        centre,
        y,
        Align::Centre,
        ink(),
    );
    let title = s.title.unwrap_or(dots);
    for line in canvas.wrap(title, Font::Regular, 10.5, 80.0 * MM, 2) {
        y -= 5.0 * MM;
        canvas.text(&line, Font::Regular, 10.5, centre, y, Align::Centre, ink());
    }
    let name_y = y - 24.0 * MM;
    if s.electronic {
        let mut note_y = y - 7.5 * MM;
        for line in ELECTRONIC_NOTE {
            canvas.text(
                line,
                Font::Regular,
                7.5,
                centre,
                note_y,
                Align::Centre,
                grey(),
            );
            note_y -= 3.6 * MM;
        }
    }
    let name = s.name.unwrap_or(dots);
    canvas.text(name, Font::Bold, 10.5, centre, name_y, Align::Centre, ink());
    if s.name.is_some() {
        let width = canvas.measure(name, Font::Bold, 10.5);
        canvas.rule(
            centre - width / 2.0,
            centre + width / 2.0,
            name_y - 1.2,
            0.5,
            ink(),
        );
    }
    let nip = s
        .nip
        .map(|n| format!("NIP. {n}"))
        .unwrap_or_else(|| "NIP. ..............................".to_owned());
    canvas.text(
        &nip,
        Font::Regular,
        10.5,
        centre,
        name_y - 5.0 * MM,
        Align::Centre,
        ink(),
    );
}

/// The curriculum pages: a table of the sessions (No, Materi, Tanggal, JP) and the total, its header repeated on
/// every page.
fn curriculum(canvas: &mut Canvas<'_>, page: &CertificatePage<'_>) {
    let (w, h) = (canvas.width(), canvas.height());
    let (x0, x1) = (30.0 * MM, w - 30.0 * MM);
    let columns = [x0, x0 + 14.0 * MM, x1 - 70.0 * MM, x1 - 22.0 * MM, x1];
    let row_h = 7.0 * MM;
    let bottom = 30.0 * MM;
    let total: f64 = page.curriculum.iter().map(|r| r.jp).sum();

    let header = |canvas: &mut Canvas<'_>, continued: bool| -> f32 {
        canvas.new_page();
        frame(canvas);
        let mut y = h - 26.0 * MM;
        let heading = if continued {
            "KURIKULUM (lanjutan)"
        } else {
            "KURIKULUM"
        };
        canvas.text(
            heading,
            Font::Bold,
            16.0,
            w / 2.0,
            y,
            Align::Centre,
            accent(),
        );
        y -= 6.0 * MM;
        canvas.fitted(
            page.event_title,
            Font::Regular,
            10.5,
            w / 2.0,
            y,
            x1 - x0,
            ink(),
        );
        y -= 5.0 * MM;
        canvas.text(
            &format!(
                "Lampiran {} Nomor: {}, atas nama {}",
                title_case(page.kind),
                page.number,
                page.holder.name
            ),
            Font::Regular,
            9.0,
            w / 2.0,
            y,
            Align::Centre,
            grey(),
        );
        y -= 8.0 * MM;
        canvas.fill_color(rgb(0.88, 0.91, 0.96));
        canvas.rect(x0, y - row_h, x1 - x0, row_h, PaintMode::Fill);
        for (i, label) in ["No", "Materi", "Tanggal", "JP"].iter().enumerate() {
            let (a, b) = (columns[i], columns[i + 1]);
            let (x, align) = if i == 1 {
                (a + 2.0 * MM, Align::Left)
            } else {
                ((a + b) / 2.0, Align::Centre)
            };
            canvas.text(
                label,
                Font::Bold,
                10.0,
                x,
                y - row_h + 2.3 * MM,
                align,
                ink(),
            );
        }
        grid_line(canvas, x0, x1, y);
        grid_line(canvas, x0, x1, y - row_h);
        y - row_h
    };

    let mut y = header(canvas, false);
    let mut top = y + row_h;
    for (i, row) in page.curriculum.iter().enumerate() {
        if y - row_h < bottom {
            verticals(canvas, &columns, top, y);
            y = header(canvas, true);
            top = y + row_h;
        }
        let cells = [
            (i + 1).to_string(),
            row.title.to_owned(),
            tanggal(row.date),
            format_jp(row.jp),
        ];
        for (c, text) in cells.iter().enumerate() {
            let (a, b) = (columns[c], columns[c + 1]);
            let width = b - a - 4.0 * MM;
            let mut size = 10.0;
            while canvas.measure(text, Font::Regular, size) > width && size > 6.0 {
                size -= 0.25;
            }
            let (x, align) = if c == 1 {
                (a + 2.0 * MM, Align::Left)
            } else {
                ((a + b) / 2.0, Align::Centre)
            };
            canvas.text(
                text,
                Font::Regular,
                size,
                x,
                y - row_h + 2.3 * MM,
                align,
                ink(),
            );
        }
        y -= row_h;
        grid_line(canvas, x0, x1, y);
    }
    if y - row_h < bottom {
        verticals(canvas, &columns, top, y);
        y = header(canvas, true);
        top = y + row_h;
    }
    canvas.text(
        "Jumlah",
        Font::Bold,
        10.0,
        columns[3] - 3.0 * MM,
        y - row_h + 2.3 * MM,
        Align::Right,
        ink(),
    );
    canvas.text(
        &format_jp(total),
        Font::Bold,
        10.0,
        (columns[3] + columns[4]) / 2.0,
        y - row_h + 2.3 * MM,
        Align::Centre,
        ink(),
    );
    y -= row_h;
    grid_line(canvas, x0, x1, y);
    verticals(canvas, &[columns[0], columns[3], columns[4]], y + row_h, y);
    verticals(canvas, &columns, top, y + row_h);
}

fn title_case(kind: CertificateKind) -> &'static str {
    match kind {
        CertificateKind::Sertifikat => "Sertifikat",
        CertificateKind::SuratKeterangan => "Surat Keterangan",
    }
}

fn grid_line(canvas: &mut Canvas<'_>, x0: f32, x1: f32, y: f32) {
    canvas.rule(x0, x1, y, 0.6, ink());
}

fn verticals(canvas: &mut Canvas<'_>, columns: &[f32], top: f32, bottom: f32) {
    for x in columns {
        canvas.fill_color(ink());
        canvas.rect(
            x - 0.3,
            bottom - 0.3,
            0.6,
            top - bottom + 0.6,
            PaintMode::Fill,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::fonts::tests::fonts;

    fn page<'a>(
        kind: CertificateKind,
        letterhead: &'a Letterhead,
        curriculum: &'a [CurriculumRow<'a>],
        electronic: bool,
    ) -> CertificatePage<'a> {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        CertificatePage {
            kind,
            number: "1/BIMTEK/LPN-KSG/2025",
            letterhead,
            holder: Holder {
                name: "Dewi Lestari",
                nip: Some("198703142010122001"),
                rank: Some("Penata Muda, III/a".to_owned()),
                position: Some("Pengelola Rehabilitasi"),
                unit: "Lapas Kelas IIA Palangka Raya",
            },
            event_title: "Bimtek Orientasi Lapangan dan Penutupan Program Manager Rehabilitasi Sosial",
            starts_on: d("2025-08-02"),
            ends_on: d("2025-08-02"),
            host_unit_name: "Lapas Narkotika Kelas IIA Kasongan",
            jp: 12.0,
            issued_on: d("2025-08-04"),
            signatory: Signatory {
                title: Some(
                    "Kepala Kantor Wilayah Direktorat Jenderal Pemasyarakatan Kalimantan Tengah",
                ),
                name: Some("I Putu Murdiana"),
                nip: Some("197001011990031001"),
                place: Some("Palangka Raya"),
                electronic,
            },
            curriculum,
            verify_url: "http://localhost:8080/verify/abcdefghijklmnopqrstuvwxyz234567",
            created_at: Utc::now(),
        }
    }

    fn text_of(bytes: &[u8]) -> (usize, String) {
        let parsed =
            printpdf::PdfDocument::parse(bytes, &Default::default(), &mut Vec::new()).unwrap();
        let pages = parsed.pages.len();
        (pages, parsed.extract_text().concat().join("\n"))
    }

    #[test]
    fn a_certificate_has_its_curriculum_on_a_second_page() {
        let fonts = fonts();
        let letterhead = crate::documents::letterhead::builtin();
        let d = "2025-08-02".parse::<NaiveDate>().unwrap();
        let rows = [
            CurriculumRow {
                title: "Morning meeting",
                date: d,
                jp: 2.0,
            },
            CurriculumRow {
                title: "Seminar",
                date: d,
                jp: 4.0,
            },
            CurriculumRow {
                title: "Simulasi",
                date: d,
                jp: 6.0,
            },
        ];
        for kind in [
            CertificateKind::Sertifikat,
            CertificateKind::SuratKeterangan,
        ] {
            let bytes = render(&fonts, &page(kind, &letterhead, &rows, false)).unwrap();
            assert!(bytes.starts_with(b"%PDF-"));
            let (pages, text) = text_of(&bytes);
            assert_eq!(pages, 2);
            for expected in [
                title_of(kind),
                "KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA",
                "198703142010122001",
                "Penata Muda, III/a",
                "I Putu Murdiana",
                "NIP. 197001011990031001",
                "Palangka Raya, 4 Agustus 2025",
                "KURIKULUM",
                "Simulasi",
                "Jumlah",
            ] {
                assert!(text.contains(expected), "{expected} not in {text}");
            }
        }
    }

    #[test]
    fn a_long_curriculum_continues_on_further_pages() {
        let fonts = fonts();
        let letterhead = crate::documents::letterhead::builtin();
        let d = "2025-08-02".parse::<NaiveDate>().unwrap();
        let titles: Vec<String> = (1..=40).map(|i| format!("Sesi {i}")).collect();
        let rows: Vec<CurriculumRow<'_>> = titles
            .iter()
            .map(|t| CurriculumRow {
                title: t,
                date: d,
                jp: 1.0,
            })
            .collect();
        let bytes = render(
            &fonts,
            &page(CertificateKind::Sertifikat, &letterhead, &rows, true),
        )
        .unwrap();
        let (pages, text) = text_of(&bytes);
        assert!(pages >= 3, "{pages}");
        assert!(text.contains("Sesi 40") && text.contains("KURIKULUM (lanjutan)"));
        assert!(text.contains(ELECTRONIC_NOTE[0]));
    }

    /// Renders the sample documents; with `DOCUMENTS_OUT=dir` writes them there to be looked at
    /// (`pdftoppm -png -r 70 dir/sertifikat.pdf dir/sertifikat`).
    #[test]
    fn sample_documents_render() {
        let fonts = fonts();
        // A round grey emblem, 120 x 120 pixels with transparency, as a logo.
        let mut pixels = Vec::new();
        for y in 0..120i32 {
            for x in 0..120i32 {
                let d = (x - 60) * (x - 60) + (y - 60) * (y - 60);
                let alpha = if d < 3400 { 255 } else { 0 };
                pixels.extend([30, 60, 120, alpha]);
            }
        }
        let mut png = Vec::new();
        {
            let mut encoder = ::png::Encoder::new(&mut png, 120, 120);
            encoder.set_color(::png::ColorType::Rgba);
            encoder.set_depth(::png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&pixels).unwrap();
        }
        let mut letterhead = crate::documents::letterhead::builtin();
        letterhead.contact = vec![
            "Jalan Tjilik Riwut Km. 1,5 Palangka Raya 73112, Telepon (0536) 3221234".to_owned(),
            "Laman: kalteng.ditjenpas.go.id, Pos-el: kanwil.kalteng@ditjenpas.go.id".to_owned(),
        ];
        letterhead.logo = Some(crate::documents::image::decode(&png).unwrap());
        let d = "2025-08-02".parse::<NaiveDate>().unwrap();
        let rows = [
            CurriculumRow {
                title: "Pembukaan",
                date: d,
                jp: 1.0,
            },
            CurriculumRow {
                title: "Morning meeting",
                date: d,
                jp: 2.0,
            },
            CurriculumRow {
                title: "Seminar: tahapan rehabilitasi sosial sehari-hari",
                date: d,
                jp: 2.0,
            },
            CurriculumRow {
                title: "Terapi kelompok (group therapy)",
                date: d,
                jp: 3.0,
            },
            CurriculumRow {
                title: "Simulasi",
                date: d,
                jp: 3.0,
            },
            CurriculumRow {
                title: "Diskusi interaktif dan penutupan",
                date: d,
                jp: 1.0,
            },
        ];
        let out = std::env::var("DOCUMENTS_OUT").ok();
        for (kind, electronic, name) in [
            (CertificateKind::Sertifikat, false, "sertifikat"),
            (CertificateKind::SuratKeterangan, true, "surat-keterangan"),
        ] {
            let bytes = render(&fonts, &page(kind, &letterhead, &rows, electronic)).unwrap();
            assert!(bytes.len() < 200_000, "{name}: {} bytes", bytes.len());
            if let Some(dir) = &out {
                std::fs::write(format!("{dir}/{name}.pdf"), &bytes).unwrap();
            }
        }
        // No signatory set and the built-in letterhead without a logo: dotted lines to fill in by hand.
        let builtin = crate::documents::letterhead::builtin();
        let mut unsigned = page(CertificateKind::Sertifikat, &builtin, &rows, false);
        unsigned.signatory = Signatory::default();
        unsigned.holder.rank = None;
        let bytes = render(&fonts, &unsigned).unwrap();
        if let Some(dir) = &out {
            std::fs::write(format!("{dir}/tanpa-penandatangan.pdf"), &bytes).unwrap();
        }
    }
}
