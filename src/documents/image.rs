//! Logo images for letterheads: PNG or JPEG, recognised by their magic bytes (never by a declared type). A JPEG is
//! embedded as it is (the PDF reader decodes it); a PNG is decoded here and embedded as pixels with its alpha
//! channel as a soft mask.

use std::collections::BTreeMap;

use printpdf::{
    DictItem, ExternalStream, ExternalXObject, RawImage, RawImageData, RawImageFormat, XObject,
};

/// What kind of image a logo is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
}

impl ImageKind {
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        match mime {
            "image/png" => Some(ImageKind::Png),
            "image/jpeg" => Some(ImageKind::Jpeg),
            _ => None,
        }
    }

    /// The kind the bytes are, by their signature.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else {
            None
        }
    }
}

/// A decoded logo, ready to be placed on a page.
#[derive(Debug, Clone)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub(crate) xobject: XObject,
}

/// The widest and tallest logo accepted, in pixels.
pub const MAX_PIXELS: u32 = 2000;

/// Decodes a logo; the error says what is wrong with it, in words for a client.
pub fn decode(bytes: &[u8]) -> Result<Image, String> {
    match ImageKind::sniff(bytes) {
        Some(ImageKind::Png) => decode_png(bytes),
        Some(ImageKind::Jpeg) => decode_jpeg(bytes),
        None => Err("is neither a PNG nor a JPEG image".to_owned()),
    }
}

fn decode_png(bytes: &[u8]) -> Result<Image, String> {
    let bad = |e: &dyn std::fmt::Display| format!("is not a readable PNG image ({e})");
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: 64 * 1024 * 1024,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| bad(&e))?;
    let (width, height) = reader.info().size();
    if width == 0 || height == 0 || width > MAX_PIXELS || height > MAX_PIXELS {
        return Err(format!(
            "must be between 1 and {MAX_PIXELS} pixels wide and high (it is {width} x {height})"
        ));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "is too large".to_owned())?;
    let mut pixels = vec![0; size];
    let frame = reader.next_frame(&mut pixels).map_err(|e| bad(&e))?;
    pixels.truncate(frame.buffer_size());
    let data_format = match frame.color_type {
        png::ColorType::Grayscale => RawImageFormat::R8,
        png::ColorType::GrayscaleAlpha => RawImageFormat::RG8,
        png::ColorType::Rgb => RawImageFormat::RGB8,
        png::ColorType::Rgba => RawImageFormat::RGBA8,
        png::ColorType::Indexed => {
            return Err("uses a palette that could not be expanded".to_owned());
        }
    };
    let (width, height) = (width as usize, height as usize);
    Ok(Image {
        width,
        height,
        xobject: XObject::Image(RawImage {
            pixels: RawImageData::U8(pixels),
            width,
            height,
            data_format,
            tag: Vec::new(),
        }),
    })
}

/// Reads the frame header of a JPEG (baseline or progressive) for its size and colour components.
fn jpeg_frame(bytes: &[u8]) -> Option<(u16, u16, u8)> {
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            return None;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        // SOF0-SOF15 without DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let frame = bytes.get(i + 4..i + 2 + length)?;
            let height = u16::from_be_bytes([*frame.get(1)?, *frame.get(2)?]);
            let width = u16::from_be_bytes([*frame.get(3)?, *frame.get(4)?]);
            return Some((width, height, *frame.get(5)?));
        }
        if marker == 0xDA || length < 2 {
            return None;
        }
        i += 2 + length;
    }
    None
}

fn decode_jpeg(bytes: &[u8]) -> Result<Image, String> {
    let (width, height, components) =
        jpeg_frame(bytes).ok_or_else(|| "is not a readable JPEG image".to_owned())?;
    if width == 0 || height == 0 || u32::from(width) > MAX_PIXELS || u32::from(height) > MAX_PIXELS
    {
        return Err(format!(
            "must be between 1 and {MAX_PIXELS} pixels wide and high (it is {width} x {height})"
        ));
    }
    let space = match components {
        1 => "DeviceGray",
        3 => "DeviceRGB",
        _ => return Err("must be a greyscale or RGB JPEG (CMYK is not supported)".to_owned()),
    };
    let name = |n: &str| DictItem::Name(n.as_bytes().to_vec());
    let dict = BTreeMap::from([
        ("Type".to_owned(), name("XObject")),
        ("Subtype".to_owned(), name("Image")),
        ("Width".to_owned(), DictItem::Int(i64::from(width))),
        ("Height".to_owned(), DictItem::Int(i64::from(height))),
        ("ColorSpace".to_owned(), name(space)),
        ("BitsPerComponent".to_owned(), DictItem::Int(8)),
        ("Filter".to_owned(), name("DCTDecode")),
    ]);
    Ok(Image {
        width: usize::from(width),
        height: usize::from(height),
        xobject: XObject::External(ExternalXObject {
            stream: ExternalStream {
                dict,
                content: bytes.to_vec(),
                compress: false,
            },
            width: Some(printpdf::Px(usize::from(width))),
            height: Some(printpdf::Px(usize::from(height))),
            dpi: None,
        }),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 2 x 1 PNG: one opaque red pixel, one transparent one.
    pub(crate) fn tiny_png() -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, 2, 1);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer
                .write_image_data(&[255, 0, 0, 255, 0, 0, 0, 0])
                .unwrap();
        }
        out
    }

    /// The smallest JPEG header that names its frame: SOI, an APP0 segment, SOF0 of 3 x 2 pixels, RGB.
    pub(crate) fn jpeg_header() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        b.extend([0xFF, 0xC0, 0x00, 0x11, 8, 0, 2, 0, 3, 3]);
        b.extend([1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
        b.extend([0xFF, 0xD9]);
        b
    }

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(ImageKind::sniff(&tiny_png()), Some(ImageKind::Png));
        assert_eq!(ImageKind::sniff(&jpeg_header()), Some(ImageKind::Jpeg));
        assert_eq!(ImageKind::sniff(b"GIF89a"), None);
        assert_eq!(ImageKind::sniff(b"<svg"), None);
    }

    #[test]
    fn a_png_is_decoded_and_a_jpeg_header_read() {
        let png = decode(&tiny_png()).unwrap();
        assert_eq!((png.width, png.height), (2, 1));
        let jpeg = decode(&jpeg_header()).unwrap();
        assert_eq!((jpeg.width, jpeg.height), (3, 2));
        assert!(decode(b"\x89PNG\r\n\x1a\ngarbage").is_err());
        assert!(decode(&[0xFF, 0xD8, 0xFF, 0xD9]).is_err());
        assert!(
            decode(b"plain text")
                .unwrap_err()
                .contains("neither a PNG nor a JPEG")
        );
    }
}
