//! The fonts printed documents embed: DejaVu Sans and DejaVu Sans Bold from the Debian package `fonts-dejavu-core`
//! (`/usr/share/fonts/truetype/dejavu`, or `PDF_FONT_DIR`), loaded once at start-up (a missing or unreadable font
//! stops the service). Text is measured with the fonts' own advance widths, and every document embeds a subset
//! holding only the glyphs it uses (a few kilobytes instead of 1.4 MB of whole fonts).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use printpdf::{FontId, ParsedFont, PdfDocument, PdfFont};

use super::DocumentError;

/// Where Debian's `fonts-dejavu-core` puts the fonts.
pub const DEFAULT_FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";

/// The faces a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Font {
    Regular,
    Bold,
}

impl Font {
    const ALL: [Font; 2] = [Font::Regular, Font::Bold];

    fn file(self) -> &'static str {
        match self {
            Font::Regular => "DejaVuSans.ttf",
            Font::Bold => "DejaVuSans-Bold.ttf",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The resource name of the face in a document.
    pub(crate) fn id(self) -> FontId {
        FontId(
            match self {
                Font::Regular => "DejaVuSans",
                Font::Bold => "DejaVuSansBold",
            }
            .to_owned(),
        )
    }
}

/// The fonts could not be loaded: the message names the file and says how to install it.
#[derive(Debug, thiserror::Error)]
#[error(
    "font {path}: {reason}; install the Debian package fonts-dejavu-core or set PDF_FONT_DIR to a directory \
     holding DejaVuSans.ttf and DejaVuSans-Bold.ttf"
)]
pub struct FontError {
    pub path: PathBuf,
    pub reason: String,
}

struct Face {
    bytes: Vec<u8>,
    /// The whole font, for its character map and advance widths.
    metrics: ParsedFont,
}

/// The loaded fonts, shared by every document.
pub struct Fonts {
    faces: [Face; 2],
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").finish_non_exhaustive()
    }
}

/// Characters every document prints: a font that lacks one of them is refused at start-up.
const REQUIRED: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;/()-–'\"";

impl Fonts {
    /// Loads both faces from `dir`.
    pub fn load(dir: &Path) -> Result<Self, FontError> {
        let load = |font: Font| -> Result<Face, FontError> {
            let path = dir.join(font.file());
            let error = |reason: String| FontError {
                path: path.clone(),
                reason,
            };
            let bytes = std::fs::read(&path).map_err(|e| error(format!("cannot be read ({e})")))?;
            let metrics = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
                .ok_or_else(|| error("is not a TrueType font".to_owned()))?;
            if metrics.units_per_em == 0 {
                return Err(error("has no units per em".to_owned()));
            }
            if let Some(missing) = REQUIRED
                .chars()
                .find(|c| metrics.lookup_glyph_index(u32::from(*c)).is_none())
            {
                return Err(error(format!("has no glyph for `{missing}`")));
            }
            Ok(Face { bytes, metrics })
        };
        Ok(Self {
            faces: [load(Font::Regular)?, load(Font::Bold)?],
        })
    }

    fn face(&self, font: Font) -> &Face {
        &self.faces[font.index()]
    }

    /// The width of `text` in points at `size`, from the font's advance widths (a character the font lacks is
    /// measured as its missing-glyph box, which is what a reader draws).
    pub fn width(&self, font: Font, text: &str, size: f32) -> f32 {
        let metrics = &self.face(font).metrics;
        let units: u32 = text
            .chars()
            .map(|c| {
                let gid = metrics.lookup_glyph_index(u32::from(c)).unwrap_or(0);
                u32::from(metrics.get_glyph_width(gid).unwrap_or(0))
            })
            .sum();
        units as f32 * size / f32::from(metrics.units_per_em)
    }

    /// Adds to `doc` a subset of each face holding the glyphs of `used` (the characters drawn in it), under the
    /// resource names of [`Font::id`]. A face nothing was drawn in is left out.
    pub(crate) fn embed(
        &self,
        doc: &mut PdfDocument,
        used: &BTreeMap<Font, BTreeSet<char>>,
    ) -> Result<(), DocumentError> {
        for font in Font::ALL {
            let Some(chars) = used.get(&font).filter(|c| !c.is_empty()) else {
                continue;
            };
            let face = self.face(font);
            let bytes = subset_face(face, chars)?;
            let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).ok_or_else(|| {
                DocumentError(format!("the subset of {} is unreadable", font.file()))
            })?;
            doc.resources
                .fonts
                .map
                .insert(font.id(), PdfFont::new(parsed));
        }
        Ok(())
    }
}

/// The face cut down to the glyphs of `chars` (glyph 0, the missing-glyph box, first, as the format asks), with a
/// Unicode character map so that the document's text maps to the new glyph ids.
fn subset_face(face: &Face, chars: &BTreeSet<char>) -> Result<Vec<u8>, DocumentError> {
    let mut glyphs: Vec<u16> = chars
        .iter()
        .filter_map(|c| face.metrics.lookup_glyph_index(u32::from(*c)))
        .filter(|gid| *gid != 0)
        .collect();
    glyphs.sort_unstable();
    glyphs.dedup();
    glyphs.insert(0, 0);
    let error = |e: &dyn std::fmt::Display| DocumentError(format!("font subset: {e}"));
    let scope = ReadScope::new(&face.bytes);
    let data = scope.read::<FontData<'_>>().map_err(|e| error(&e))?;
    let provider = data.table_provider(0).map_err(|e| error(&e))?;
    subset(&provider, &glyphs, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| error(&e))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The fonts of the machine running the tests (`fonts-dejavu-core`, or `PDF_FONT_DIR`).
    pub(crate) fn fonts() -> Fonts {
        let dir = std::env::var("PDF_FONT_DIR").unwrap_or_else(|_| DEFAULT_FONT_DIR.to_owned());
        Fonts::load(Path::new(&dir)).unwrap()
    }

    #[test]
    fn widths_come_from_the_font() {
        let fonts = fonts();
        assert!(fonts.width(Font::Bold, "W", 10.0) > fonts.width(Font::Regular, "i", 10.0));
        assert!(
            fonts.width(Font::Bold, "Sertifikat", 12.0)
                > fonts.width(Font::Regular, "Sertifikat", 12.0)
        );
        // DejaVu Sans digits are 1303/2048 em wide.
        let digit = fonts.width(Font::Regular, "0", 2048.0);
        assert!((digit - 1303.0).abs() < 0.5, "{digit}");
        assert_eq!(fonts.width(Font::Regular, "", 12.0), 0.0);
    }

    #[test]
    fn a_missing_directory_is_refused_with_the_package_to_install() {
        let err = Fonts::load(Path::new("/nonexistent/fonts")).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("DejaVuSans.ttf") && message.contains("fonts-dejavu-core"),
            "{message}"
        );
    }

    #[test]
    fn a_subset_holds_only_the_used_glyphs() {
        let fonts = fonts();
        let chars: BTreeSet<char> = "SERTIFIKAT".chars().collect();
        let bytes = subset_face(fonts.face(Font::Bold), &chars).unwrap();
        // The hinting tables (cvt, fpgm, prep) stay whole: some 20 KB instead of the font's 700 KB.
        assert!(bytes.len() < 40_000, "{}", bytes.len());
        let parsed = ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).unwrap();
        assert!(parsed.lookup_glyph_index(u32::from('S')).is_some());
        assert!(parsed.lookup_glyph_index(u32::from('x')).is_none());
    }
}
