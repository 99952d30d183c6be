//! Structured formats: SQL dumps, CSV/TSV, JSON/NDJSON. Findings get a
//! `field` (`schema.table.column`, header name, key path).

use super::SourceSink;
use std::io::{self, BufRead};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuredKind {
    Sql,
    Csv,
    Json,
}

/// Decides from the name and the first buffered bytes (`reader.fill_buf()`,
/// never consumed) whether the text is structured.
pub fn sniff(name: &str, reader: &mut dyn BufRead) -> Option<StructuredKind> {
    // SKELETON
    let _ = (name, reader);
    None
}

/// Parses structured text. On malformed input, falls back to
/// [`super::text::scan_plain`] for the rest and records a notice.
pub fn scan(
    kind: StructuredKind,
    reader: &mut dyn BufRead,
    sink: &mut dyn SourceSink,
) -> io::Result<()> {
    let _ = kind;
    super::text::scan_plain(reader, 1, sink)
}
