//! A page canvas in points (origin bottom left, as PDF has it): text in the embedded fonts, measured with them,
//! rectangles, images and QR codes; pages are collected and saved as one PDF with its metadata.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use printpdf::{
    Color, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Pt, Rect, Rgb,
    TextItem, XObjectId, XObjectTransform,
};
use qrcode::{EcLevel, QrCode};

use super::image::Image;
use super::{DocumentError, Font, Fonts, MM};

/// The document's metadata (the PDF's Info dictionary and XMP).
#[derive(Debug, Clone)]
pub struct DocumentInfo {
    pub title: String,
    pub subject: String,
    /// The office that issues the document (`Author`).
    pub author: String,
    /// The creation date: now, not 1970.
    pub created_at: DateTime<Utc>,
}

/// The producer written into every document.
pub const PRODUCER: &str = concat!("bimtek-api ", env!("CARGO_PKG_VERSION"), " (printpdf)");

pub fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// Near-black ink for text.
pub fn ink() -> Color {
    rgb(0.08, 0.08, 0.1)
}

/// How text sits on its x: starting there, centred on it, or ending there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Centre,
    Right,
}

pub struct Canvas<'f> {
    fonts: &'f Fonts,
    width_mm: f32,
    height_mm: f32,
    ops: Vec<Op>,
    pages: Vec<PdfPage>,
    used: BTreeMap<Font, BTreeSet<char>>,
    images: Vec<(XObjectId, printpdf::XObject)>,
}

impl<'f> Canvas<'f> {
    /// A canvas whose pages are `width_mm` x `height_mm` (A4 landscape: 297 x 210).
    pub fn new(fonts: &'f Fonts, width_mm: f32, height_mm: f32) -> Self {
        Self {
            fonts,
            width_mm,
            height_mm,
            ops: Vec::new(),
            pages: Vec::new(),
            used: BTreeMap::new(),
            images: Vec::new(),
        }
    }

    pub fn fonts(&self) -> &'f Fonts {
        self.fonts
    }

    /// The page width in points.
    pub fn width(&self) -> f32 {
        self.width_mm * MM
    }

    /// The page height in points.
    pub fn height(&self) -> f32 {
        self.height_mm * MM
    }

    /// The width of `text` in points.
    pub fn measure(&self, text: &str, font: Font, size: f32) -> f32 {
        self.fonts.width(font, text, size)
    }

    /// Draws `text` with its baseline at `y`, placed on `x` as `align` says.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        text: &str,
        font: Font,
        size: f32,
        x: f32,
        y: f32,
        align: Align,
        color: Color,
    ) {
        if text.is_empty() {
            return;
        }
        let width = self.measure(text, font, size);
        let x = match align {
            Align::Left => x,
            Align::Centre => x - width / 2.0,
            Align::Right => x - width,
        };
        self.used.entry(font).or_default().extend(text.chars());
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFillColor { col: color },
            Op::SetTextCursor {
                pos: printpdf::Point { x: Pt(x), y: Pt(y) },
            },
            Op::SetFont {
                font: PdfFontHandle::External(font.id()),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// A line centred on `centre`, its size reduced (to 6 pt at least) until it fits `max_width`; returns the
    /// size used.
    #[allow(clippy::too_many_arguments)]
    pub fn fitted(
        &mut self,
        text: &str,
        font: Font,
        size: f32,
        centre: f32,
        y: f32,
        max_width: f32,
        color: Color,
    ) -> f32 {
        let mut size = size;
        while self.measure(text, font, size) > max_width && size > 6.0 {
            size -= 0.25;
        }
        self.text(text, font, size, centre, y, Align::Centre, color);
        size
    }

    /// `text` as it fits `width` points on one line: whole, or cut with an ellipsis.
    pub fn ellipsize(&self, text: &str, font: Font, size: f32, width: f32) -> String {
        if self.measure(text, font, size) <= width {
            return text.to_owned();
        }
        let mut cut: Vec<char> = text.chars().collect();
        while cut.pop().is_some() {
            let head: String = cut.iter().collect();
            let candidate = format!("{}\u{2026}", head.trim_end());
            if self.measure(&candidate, font, size) <= width {
                return candidate;
            }
        }
        "\u{2026}".to_owned()
    }

    /// Splits `text` into lines no wider than `width` points, at most `max_lines` (the last takes the rest).
    pub fn wrap(
        &self,
        text: &str,
        font: Font,
        size: f32,
        width: f32,
        max_lines: usize,
    ) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_owned()
            } else {
                format!("{current} {word}")
            };
            if self.measure(&candidate, font, size) > width
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

    pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, mode: PaintMode) {
        let mut rectangle = Rect::from_xywh(Pt(x), Pt(y), Pt(width), Pt(height));
        rectangle.mode = Some(mode);
        self.ops.push(Op::DrawRectangle { rectangle });
    }

    /// A horizontal rule from `x0` to `x1`, `thickness` points thick, centred on `y`.
    pub fn rule(&mut self, x0: f32, x1: f32, y: f32, thickness: f32, color: Color) {
        self.ops.push(Op::SetFillColor { col: color });
        self.rect(x0, y - thickness / 2.0, x1 - x0, thickness, PaintMode::Fill);
    }

    /// Sets the colour of filled shapes.
    pub fn fill_color(&mut self, color: Color) {
        self.ops.push(Op::SetFillColor { col: color });
    }

    /// Sets the colour and width of stroked outlines.
    pub fn outline(&mut self, color: Color, thickness: f32) {
        self.ops.extend([
            Op::SetOutlineColor { col: color },
            Op::SetOutlineThickness { pt: Pt(thickness) },
        ]);
    }

    /// Places `image` with its lower left corner at (`x`, `y`), scaled to `width` x `height` points.
    pub fn image(&mut self, image: &Image, x: f32, y: f32, width: f32, height: f32) {
        let id = XObjectId(format!("Im{}", self.images.len() + 1));
        self.images.push((id.clone(), image.xobject.clone()));
        self.ops.push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Pt(x)),
                translate_y: Some(Pt(y)),
                scale_x: Some(width),
                scale_y: Some(height),
                no_auto_scale: true,
                ..Default::default()
            },
        });
    }

    /// Draws `content` as a QR code whose lower left corner is at (`x`, `y`), `size` points wide, with the four
    /// modules of quiet zone the standard asks for inside that square. Dark modules of a row are merged.
    pub fn qr(&mut self, content: &str, x: f32, y: f32, size: f32) -> Result<(), DocumentError> {
        let code = QrCode::with_error_correction_level(content.as_bytes(), EcLevel::M)
            .map_err(|e| DocumentError(format!("QR code: {e}")))?;
        let n = code.width();
        let colors = code.to_colors();
        let module = size / (n + 8) as f32;
        self.ops.push(Op::SetFillColor {
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
                    self.rect(
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

    /// Ends the current page and starts a new one.
    pub fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(PdfPage::new(
            printpdf::Mm(self.width_mm),
            printpdf::Mm(self.height_mm),
            ops,
        ));
    }

    /// The number of pages so far, the current one included.
    pub fn page_count(&self) -> usize {
        self.pages.len() + 1
    }

    /// The PDF: every page, the fonts subset to what was drawn, the images, the metadata.
    pub fn finish(mut self, info: &DocumentInfo) -> Result<Vec<u8>, DocumentError> {
        self.new_page();
        let mut document = PdfDocument::new(&info.title);
        let created =
            printpdf::date::OffsetDateTime::from_unix_timestamp(info.created_at.timestamp())
                .map_err(|e| DocumentError(e.to_owned()))?;
        let meta = &mut document.metadata.info;
        meta.creation_date = created;
        meta.modification_date = created;
        meta.metadata_date = created;
        meta.producer = PRODUCER.to_owned();
        meta.creator = PRODUCER.to_owned();
        meta.author = info.author.clone();
        meta.subject = info.subject.clone();
        self.fonts.embed(&mut document, &self.used)?;
        for (id, xobject) in self.images {
            document.resources.xobjects.map.insert(id, xobject);
        }
        let mut warnings = Vec::new();
        Ok(document
            .with_pages(self.pages)
            .save(&PdfSaveOptions::default(), &mut warnings))
    }
}
