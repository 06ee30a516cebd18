//! Printable documents (PDF): the embedded fonts, a page canvas that measures text with them, the letterhead (kop
//! surat) drawn at the top of a page, logo images, and the certificate. Pure drawing: no database, no HTTP; the
//! services gather what a document shows and call these.

pub mod activation_slips;
pub mod attendance_sheet;
pub mod canvas;
pub mod certificate;
pub mod fonts;
pub mod image;
pub mod letterhead;

pub use canvas::{Canvas, DocumentInfo};
pub use fonts::{Font, FontError, Fonts};
pub use letterhead::Letterhead;

/// Millimetres to PDF points.
pub const MM: f32 = 72.0 / 25.4;

/// A document could not be drawn (a QR code too long, a font that cannot be subset): a server fault.
#[derive(Debug, thiserror::Error)]
#[error("document: {0}")]
pub struct DocumentError(pub String);
