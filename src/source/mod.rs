//! Source stage: turns one file into decoded text segments.
//!
//! Decoding (UTF-8, UTF-16, cp1251), decompression (gz, bz2, xz, zst),
//! archives (zip, tar, nested: `outer!inner`) and structured formats (SQL
//! dumps, CSV/TSV, JSON/NDJSON) all live under this module. A source never
//! detects anything itself: it pushes [`Segment`]s into a [`SourceSink`].

use crate::model::{FileMeta, Notice, ScanError, Segment, SkipReason};

/// Receives what a source reads. Implemented by the detection stage.
///
/// Calls nest like this for every file or archive member that holds text:
/// `begin`, any number of `segment` / `field` / `notice`, then `end`. An
/// archive's members are begun and ended *inside* the archive's own
/// begin/end pair.
pub trait SourceSink {
    fn begin(&mut self, meta: &FileMeta);
    fn segment(&mut self, seg: &Segment<'_>);
    /// A structured source declared a column, header or key. The detection
    /// stage uses it for name-only evidence (a PII-named column whose values
    /// never validate).
    fn field(&mut self, name: &str, line: u64);
    /// Raw text of a structured source with the values in it marked
    /// ([`structured::CellBatch`]), so that one detector pass serves many
    /// values. The default sends each value, and the text between values,
    /// to [`SourceSink::segment`].
    fn cells(&mut self, batch: &structured::CellBatch<'_>) {
        structured::cells_as_segments(self, batch);
    }
    /// Something in the file was skipped or read in a degraded way. An
    /// empty `notice.path` means the file or member being read.
    fn notice(&mut self, notice: Notice);
    /// A structured parser gave up (at `notice.line`) and the rest was
    /// scanned as plain text; counted in `Stats::structured_fallbacks`.
    fn structured_fallback(&mut self, notice: Notice) {
        self.notice(notice);
    }
    /// The file (or a member) could not be read; what was read before stays.
    fn error(&mut self, error: ScanError);
    /// A file or member was skipped entirely.
    fn skipped(&mut self, path: &str, reason: SkipReason);
    fn end(&mut self);
}

use std::io::BufRead;
use std::path::Path;

pub mod structured;
pub mod text;

/// How sources read files. Filled from the CLI.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Force a text encoding (`--encoding`), an `encoding_rs` label.
    pub encoding: Option<String>,
    /// How deep archives may nest (`outer!inner!…`).
    pub max_archive_depth: u32,
    /// Most decompressed bytes read from one compressed stream or member.
    pub max_decompressed: u64,
    /// Largest decompressed : compressed ratio tolerated before calling it a bomb.
    pub max_ratio: u64,
    /// Parse SQL / CSV / JSON structure (`--no-structure` turns it off).
    pub structured: bool,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            encoding: None,
            max_archive_depth: 4,
            max_decompressed: 4 << 30,
            max_ratio: 200,
            structured: true,
        }
    }
}

/// Reads one file from disk (read-only) and feeds it to `sink`. Never fails
/// the scan: problems become `sink.error` / `sink.notice` calls.
///
/// `display` is the path as it should appear in findings.
pub fn read_file(path: &Path, display: &str, opts: &SourceOptions, sink: &mut dyn SourceSink) {
    // SKELETON: decoding, decompression and archives replace this.
    let meta = FileMeta {
        path: display.to_string(),
        modified: std::fs::metadata(path)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64),
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            sink.begin(&meta);
            let text = String::from_utf8_lossy(&bytes);
            read_text(display, &mut text.as_bytes(), opts, sink);
            sink.end();
        }
        Err(e) => sink.error(ScanError {
            path: display.to_string(),
            message: e.to_string(),
        }),
    }
}

/// Scans already-decoded UTF-8 text: structured when the name or content
/// says so, plain otherwise.
pub fn read_text(
    name: &str,
    reader: &mut dyn BufRead,
    opts: &SourceOptions,
    sink: &mut dyn SourceSink,
) {
    let result = match opts
        .structured
        .then(|| structured::sniff(name, reader))
        .flatten()
    {
        Some(kind) => structured::scan(kind, reader, sink),
        None => text::scan_plain(reader, 1, sink),
    };
    if let Err(e) = result {
        sink.error(ScanError {
            path: name.to_string(),
            message: e.to_string(),
        });
    }
}
