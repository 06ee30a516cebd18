//! The letterhead (kop surat) at the top of a page: the logo on the left, the heading lines (ministry, directorate
//! general, office) bold and centred, the contact lines (address, phone, e-mail, website) small under them, and
//! the double rule (a thick line over a thin one) across the block. Used by the certificate and the attendance
//! list; `service::letterhead::for_unit` says which letterhead a host unit prints.

use super::canvas::{Canvas, ink};
use super::image::Image;
use super::{Font, MM};

/// What a letterhead prints.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// Bold centred lines, the last (the office) the largest: `KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK
    /// INDONESIA`, `DIREKTORAT JENDERAL PEMASYARAKATAN`, `KANTOR WILAYAH KALIMANTAN TENGAH`.
    pub heading: Vec<String>,
    /// Small lines under the heading: address, phone, e-mail, website.
    pub contact: Vec<String>,
    pub logo: Option<Image>,
}

/// The logo's height on the page.
const LOGO_HEIGHT: f32 = 24.0 * MM;
/// The widest a logo may be drawn.
const LOGO_MAX_WIDTH: f32 = 30.0 * MM;

impl Letterhead {
    /// Draws the letterhead between `x0` and `x1` (points) with its top at `top`, and returns the y under the
    /// double rule where the page's content may start (a little space included).
    pub fn draw(&self, canvas: &mut Canvas<'_>, x0: f32, x1: f32, top: f32) -> f32 {
        let last = self.heading.len().saturating_sub(1);
        let heading_size = |i: usize| if i == last && last > 0 { 14.0 } else { 12.0 };
        let contact_size = 8.5;
        let text_height: f32 = self
            .heading
            .iter()
            .enumerate()
            .map(|(i, _)| heading_size(i) * 1.3)
            .sum::<f32>()
            + self.contact.len() as f32 * contact_size * 1.35;
        let block = text_height.max(if self.logo.is_some() {
            LOGO_HEIGHT
        } else {
            0.0
        });

        // The logo keeps its proportions: LOGO_HEIGHT high, or less when it would be wider than allowed.
        let mut text_x0 = x0;
        if let Some(logo) = &self.logo {
            let aspect = logo.width as f32 / logo.height.max(1) as f32;
            let (mut w, mut h) = (LOGO_HEIGHT * aspect, LOGO_HEIGHT);
            if w > LOGO_MAX_WIDTH {
                w = LOGO_MAX_WIDTH;
                h = w / aspect;
            }
            canvas.image(logo, x0, top - (block + h) / 2.0, w, h);
            text_x0 = x0 + w + 3.0 * MM;
        }
        // The lines are centred on the page (between the margins), as a kop surat is, but never run into the logo:
        // the space they may use is the one between the logo and the mirrored margin on the right.
        let centre = (x0 + x1) / 2.0;
        let max_width = 2.0 * (centre - text_x0);
        let mut y = top - (block - text_height) / 2.0;
        for (i, line) in self.heading.iter().enumerate() {
            let size = heading_size(i);
            y -= size * 1.3;
            canvas.fitted(
                line,
                Font::Bold,
                size,
                centre,
                y + size * 0.3,
                max_width,
                ink(),
            );
        }
        for line in &self.contact {
            y -= contact_size * 1.35;
            canvas.fitted(
                line,
                Font::Regular,
                contact_size,
                centre,
                y + contact_size * 0.35,
                max_width,
                ink(),
            );
        }
        let rule = top - block - 2.5 * MM;
        canvas.rule(x0, x1, rule, 1.8, ink());
        canvas.rule(x0, x1, rule - 2.6, 0.6, ink());
        rule - 2.6 - 5.0 * MM
    }
}

/// The letterhead printed when none is configured: the Kanwil's lines, no logo. (The demo data stores the same;
/// an administrator replaces it with `PUT /api/v1/letterhead`.)
pub fn builtin() -> Letterhead {
    Letterhead {
        heading: vec![
            "KEMENTERIAN IMIGRASI DAN PEMASYARAKATAN REPUBLIK INDONESIA".to_owned(),
            "DIREKTORAT JENDERAL PEMASYARAKATAN".to_owned(),
            "KANTOR WILAYAH DIREKTORAT JENDERAL PEMASYARAKATAN KALIMANTAN TENGAH".to_owned(),
        ],
        contact: vec!["Palangka Raya, Kalimantan Tengah".to_owned()],
        logo: None,
    }
}
