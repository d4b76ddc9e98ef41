//! Turning an uploaded picture into an avatar: the format is read from the bytes (not from
//! what the upload claims), the picture is decoded under limits that refuse decompression
//! bombs, cropped to a centred square, resized to each [`AvatarSize`] and encoded again as PNG.
//! Encoding anew is what strips EXIF and every other piece of metadata: only pixels survive.
//!
//! Why PNG: avatars are often drawings or logos on a transparent background, which JPEG would
//! flatten, and the dark theme shows that background; the pure-Rust WebP encoder writes only
//! lossless WebP, which would keep it too but gains little over PNG and is less widely decoded. A 256 px PNG stays under 256 KiB (the raw
//! pixels) and is downloaded once per version (it is cached for good), so the size costs little.
//!
//! CPU-heavy and blocking: callers run it on a blocking thread, a few at a time.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::domain::AvatarSize;

/// The content types an upload may declare.
pub const ACCEPTED_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/webp", "image/gif"];
/// The content type of every processed avatar.
pub const CONTENT_TYPE: &str = "image/png";
/// Widest and tallest picture decoded; bigger ones are refused before their pixels are read.
pub const MAX_SIDE: u32 = 8192;
/// Most memory one decode may allocate (an 8192 × 2048 RGBA picture).
pub const MAX_ALLOC: u64 = 64 * 1024 * 1024;

/// Why an upload is not a picture this server takes.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// Not PNG, JPEG, WebP or GIF by its bytes, damaged, or beyond the limits.
    #[error("not a readable picture: {0}")]
    Invalid(String),
}

/// A picture made into an avatar: one encoded PNG per size.
#[derive(Debug, Clone)]
pub struct Processed {
    pub small: Vec<u8>,
    pub large: Vec<u8>,
}

/// Whether `content_type` (a `Content-Type` header, parameters allowed) names a format an
/// upload may have.
pub fn accepted_type(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    ACCEPTED_TYPES.iter().any(|t| mime.eq_ignore_ascii_case(t))
}

/// Decodes `bytes` (the first frame of an animated GIF) and makes the avatar's sizes.
pub fn process(bytes: &[u8]) -> Result<Processed, ImageError> {
    let invalid = |e: &dyn std::fmt::Display| ImageError::Invalid(e.to_string());
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| invalid(&e))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif) => {}
        other => return Err(ImageError::Invalid(format!("format {other:?}"))),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let picture = reader.decode().map_err(|e| invalid(&e))?;
    let square = centre_square(picture);
    let large = square.resize_exact(AvatarSize::Large.pixels(), AvatarSize::Large.pixels(), FilterType::Lanczos3);
    let small = large.resize_exact(AvatarSize::Small.pixels(), AvatarSize::Small.pixels(), FilterType::Lanczos3);
    Ok(Processed { small: encode(small)?, large: encode(large)? })
}

/// The largest square in the middle of the picture.
fn centre_square(picture: DynamicImage) -> DynamicImage {
    let (width, height) = (picture.width(), picture.height());
    let side = width.min(height);
    picture.crop_imm((width - side) / 2, (height - side) / 2, side, side)
}

/// PNG, RGBA when the picture has transparency and RGB otherwise (a quarter smaller).
fn encode(picture: DynamicImage) -> Result<Vec<u8>, ImageError> {
    let picture = if picture.color().has_alpha() {
        DynamicImage::ImageRgba8(picture.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(picture.into_rgb8())
    };
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, ImageFormat::Png).map_err(|e| ImageError::Invalid(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture).write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_wide_picture_becomes_two_squares() {
        let done = process(&png(300, 120)).unwrap();
        for (bytes, side) in [(&done.small, 64), (&done.large, 256)] {
            let back = image::load_from_memory(bytes).unwrap();
            assert_eq!((back.width(), back.height()), (side, side));
        }
    }

    #[test]
    fn text_and_truncated_pictures_are_refused() {
        assert!(process(b"hello, I am not a picture").is_err());
        let whole = png(40, 40);
        assert!(process(&whole[..whole.len() / 2]).is_err());
    }

    #[test]
    fn only_the_four_upload_types_are_accepted() {
        assert!(accepted_type("image/png"));
        assert!(accepted_type("IMAGE/JPEG; charset=binary"));
        assert!(!accepted_type("image/svg+xml"));
        assert!(!accepted_type("application/octet-stream"));
    }
}
