//! Formats tizim recognises but does not read: images and OLE compound
//! files that are not spreadsheets (`.doc`, `.ppt`, `.msg`). They are said,
//! not hidden: a notice names the format, `stats.skipped` counts it as
//! `unread_format`, and `--strict` fails on it.

use crate::model::{Notice, SkipReason};
use std::io::{self, Read, Seek};

/// First bytes of an OLE2 compound file (also called CFB or structured
/// storage): `.doc`, `.xls`, `.ppt`, `.msg`, old `.vsd` …
pub const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub fn is_ole(head: &[u8]) -> bool {
    head.starts_with(&OLE_MAGIC)
}

/// The image format `head` starts with, by its magic bytes. Text in images
/// needs OCR, which tizim does not do.
pub fn image_kind(head: &[u8]) -> Option<&'static str> {
    let riff_webp = head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP";
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("JPEG")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("GIF")
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if riff_webp {
        Some("WebP")
    } else {
        None
    }
}

/// What an OLE compound file holds, told by the streams in its directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OleKind {
    /// `Workbook` (Excel 97+) or `Book` (Excel 5/95): a `.xls`, which the
    /// spreadsheet reader handles.
    Spreadsheet,
    /// `WordDocument`: a `.doc`.
    Word,
    /// `PowerPoint Document`: a `.ppt`.
    PowerPoint,
    /// `__substg1.0_*` property streams: an Outlook `.msg`.
    OutlookMessage,
    /// Anything else (Visio, MSI installers, thumbnails caches …).
    Other,
}

impl OleKind {
    /// Classifies from the directory's stream names only; no stream is read.
    pub fn of<R: Read + Seek>(file: R) -> io::Result<OleKind> {
        let compound = cfb::CompoundFile::open(file)?;
        let mut kind = OleKind::Other;
        for entry in compound.walk() {
            let name = entry.name();
            let found = if name == "Workbook" || name == "Book" {
                OleKind::Spreadsheet
            } else if name == "WordDocument" {
                OleKind::Word
            } else if name == "PowerPoint Document" {
                OleKind::PowerPoint
            } else if name.starts_with("__substg1.0_") {
                OleKind::OutlookMessage
            } else {
                continue;
            };
            // A .msg carries its attachments' own storages (a .doc inside
            // a mail): the top-level kind wins, so stop at the first stream
            // in the root storage, otherwise keep the first seen.
            if entry.path().parent() == Some(std::path::Path::new("/")) {
                return Ok(found);
            }
            if kind == OleKind::Other {
                kind = found;
            }
        }
        Ok(kind)
    }

    fn describe(self) -> &'static str {
        match self {
            OleKind::Spreadsheet => "Excel 97–2003 workbook (.xls)",
            OleKind::Word => "Word 97–2003 document (.doc)",
            OleKind::PowerPoint => "PowerPoint 97–2003 presentation (.ppt)",
            OleKind::OutlookMessage => "Outlook message (.msg)",
            OleKind::Other => "OLE compound file",
        }
    }
}

/// The notice for a format that is not read.
pub fn notice(path: &str, what: &str) -> Notice {
    Notice {
        path: path.to_string(),
        line: None,
        reason: Some(SkipReason::UnreadFormat),
        message: format!("{what}: this format is not read"),
    }
}

pub fn image_notice(path: &str, kind: &str) -> Notice {
    notice(path, &format!("{kind} image (text in images needs OCR)"))
}

pub fn ole_notice(path: &str, kind: OleKind) -> Notice {
    notice(path, kind.describe())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_by_magic() {
        assert_eq!(image_kind(b"\x89PNG\r\n\x1a\n\0\0"), Some("PNG"));
        assert_eq!(image_kind(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("JPEG"));
        assert_eq!(image_kind(b"GIF89a.."), Some("GIF"));
        assert_eq!(image_kind(b"II*\0...."), Some("TIFF"));
        assert_eq!(image_kind(b"MM\0*...."), Some("TIFF"));
        assert_eq!(image_kind(b"RIFF\0\0\0\0WEBPVP8 "), Some("WebP"));
        assert_eq!(image_kind(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(image_kind(b"id,iin\n"), None);
    }

    /// A compound file with the given streams in its root, made by `cfb`.
    fn compound(streams: &[&str]) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(io::Cursor::new(Vec::new())).unwrap();
        for name in streams {
            use std::io::Write;
            let mut stream = file.create_stream(format!("/{name}")).unwrap();
            stream.write_all(b"x").unwrap();
        }
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn ole_kinds_by_stream_names() {
        let kind = |streams: &[&str]| OleKind::of(io::Cursor::new(compound(streams))).unwrap();
        assert_eq!(
            kind(&["Workbook", "SummaryInformation"]),
            OleKind::Spreadsheet
        );
        assert_eq!(kind(&["Book"]), OleKind::Spreadsheet);
        assert_eq!(kind(&["WordDocument", "1Table"]), OleKind::Word);
        assert_eq!(
            kind(&["PowerPoint Document", "Pictures"]),
            OleKind::PowerPoint
        );
        assert_eq!(
            kind(&["__substg1.0_0037001F", "__properties_version1.0"]),
            OleKind::OutlookMessage
        );
        assert_eq!(kind(&["Thumbs"]), OleKind::Other);
        assert!(is_ole(&compound(&["WordDocument"])));
        assert!(OleKind::of(io::Cursor::new(OLE_MAGIC.to_vec())).is_err());
    }
}
