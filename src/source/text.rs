//! Plain text: cut a decoded stream into overlapping segments in bounded memory.

use super::SourceSink;
use crate::model::Segment;
use std::io::{self, BufRead};

/// Scans UTF-8 text from `reader` as plain text, starting at line
/// `first_line`. Memory stays bounded whatever the line lengths.
pub fn scan_plain(
    reader: &mut dyn BufRead,
    first_line: u64,
    sink: &mut dyn SourceSink,
) -> io::Result<()> {
    // SKELETON: whole-input read; the streaming chunker replaces it.
    let mut s = String::new();
    reader.read_to_string(&mut s)?;
    sink.segment(&Segment::whole(&s, first_line, None));
    Ok(())
}
