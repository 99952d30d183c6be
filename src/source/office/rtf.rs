//! RTF: the text of a document, one paragraph a line (`\par` ends one, as
//! `\row` ends a table row; `\cell` and `\tab` are tabs).
//!
//! Hand-written because no maintained crate decodes RTF text well: the
//! ones on crates.io either ignore `\'hh` code pages (so cp1251 documents,
//! the usual Russian and Kazakh ones, come out as mojibake) or build the
//! whole document tree in memory. This reader streams, keeps only a group
//! stack, and decodes:
//!
//! - `\uN` (signed 16-bit, surrogate pairs joined), skipping the `\ucN`
//!   fallback characters after it;
//! - `\'hh` bytes in the code page of the current font (`\fcharset204` →
//!   cp1251) or of the document (`\ansicpg1251`), through `encoding_rs`;
//! - skipping destinations that hold no text (`\fonttbl`, `\pict`,
//!   `\*\…`, field instructions whose result is shown anyway).

use crate::model::Segment;
use crate::source::SourceSink;
use encoding_rs::Encoding;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};

/// Text gathered before it is sent, cut at a paragraph end.
const CHUNK: usize = 32 << 10;
/// Groups nested deeper than this are read as if at this depth: the stack
/// stays bounded whatever the input.
const MAX_DEPTH: usize = 1024;

/// Destinations marked ignorable (`\*`) that hold document text.
const TEXT_DESTINATIONS: &[&str] = &["annotation"];

/// Destinations whose content is not document text.
const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "objdata",
    "fldinst",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "filetbl",
    "revtbl",
    "pgdsctbl",
    "mmathPr",
    "wgrffmtfilter",
];

#[derive(Clone, Copy)]
struct Group {
    skip: bool,
    /// Characters to skip after `\uN`.
    uc: u32,
    encoding: &'static Encoding,
    /// Inside `\fonttbl`: font definitions are read, not shown.
    font_table: bool,
    /// Inside a table paragraph (`\intbl` since the last `\pard`); kept
    /// per group, so `{\listtext\pard …}` inside a cell does not end it.
    in_table: bool,
}

/// The code page of an RTF `\fcharset`.
fn charset_encoding(charset: i32) -> Option<&'static Encoding> {
    let codepage = match charset {
        0 => 1252,
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        255 => 866,
        _ => return None,
    };
    codepage_encoding(codepage)
}

fn codepage_encoding(codepage: i32) -> Option<&'static Encoding> {
    codepage::to_encoding(u16::try_from(codepage).ok()?)
}

struct Writer<'s> {
    sink: &'s mut dyn SourceSink,
    /// Prose reading ([`scan_prose`]): table structure is kept.
    prose: bool,
    text: String,
    first_line: u64,
    /// Bytes from `\'hh`, decoded together (double-byte code pages).
    bytes: Vec<u8>,
    bytes_encoding: &'static Encoding,
    /// A high surrogate from `\uN`, waiting for its pair.
    high_surrogate: Option<u32>,
}

impl Writer<'_> {
    fn decode_bytes(&mut self) {
        if !self.bytes.is_empty() {
            let (text, _) = self.bytes_encoding.decode_without_bom_handling(&self.bytes);
            self.text.extend(
                text.chars()
                    .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c }),
            );
            self.bytes.clear();
        }
    }

    fn push(&mut self, c: char) {
        self.decode_bytes();
        self.text.push(c);
    }

    fn byte(&mut self, b: u8, encoding: &'static Encoding) {
        if self.bytes_encoding != encoding {
            self.decode_bytes();
            self.bytes_encoding = encoding;
        }
        self.bytes.push(b);
    }

    fn unicode(&mut self, n: i32) {
        let unit = if n < 0 { (n + 65536) as u32 } else { n as u32 };
        let c = match (self.high_surrogate.take(), unit) {
            (None, 0xD800..=0xDBFF) => {
                self.high_surrogate = Some(unit);
                return;
            }
            (Some(high), 0xDC00..=0xDFFF) => {
                char::from_u32(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
            }
            (_, unit) => char::from_u32(unit),
        };
        self.push(c.unwrap_or('\u{FFFD}'));
    }

    fn paragraph(&mut self) {
        self.push('\n');
        if self.text.len() >= CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.decode_bytes();
        if self.text.is_empty() {
            return;
        }
        self.sink
            .segment(&Segment::whole(&self.text, self.first_line, None));
        self.first_line += crate::position::count_newlines(self.text.as_bytes());
        self.text.clear();
    }
}

/// Reads an RTF document and sends its text.
pub(super) fn scan<R: Read>(reader: R, sink: &mut dyn SourceSink) -> io::Result<()> {
    scan_as(reader, sink, false)
}

/// A paragraph break inside a table cell, in [`scan_prose`] text.
pub(super) const CELL_PARAGRAPH: char = '\u{1}';
/// The end of a table cell, in [`scan_prose`] text.
pub(super) const CELL_END: char = '\u{2}';

/// Reads an RTF document as prose, for reading it whole: as [`scan`], but a
/// paragraph inside a table cell ends with [`CELL_PARAGRAPH`] and a cell
/// with [`CELL_END`] (not a tab, which list bullets use too), so a table row
/// stays one line.
pub(super) fn scan_prose<R: Read>(reader: R, sink: &mut dyn SourceSink) -> io::Result<()> {
    scan_as(reader, sink, true)
}

fn scan_as<R: Read>(reader: R, sink: &mut dyn SourceSink, prose: bool) -> io::Result<()> {
    let mut input = BufReader::new(reader);
    let mut writer = Writer {
        prose,
        sink,
        text: String::new(),
        first_line: 1,
        bytes: Vec::new(),
        bytes_encoding: encoding_rs::WINDOWS_1252,
        high_surrogate: None,
    };
    let result = read(&mut input, &mut writer);
    writer.flush();
    result
}

fn next(input: &mut impl BufRead) -> io::Result<Option<u8>> {
    let b = match input.fill_buf()?.first() {
        Some(&b) => b,
        None => return Ok(None),
    };
    input.consume(1);
    Ok(Some(b))
}

fn peek(input: &mut impl BufRead) -> io::Result<Option<u8>> {
    Ok(input.fill_buf()?.first().copied())
}

fn read(input: &mut impl BufRead, w: &mut Writer<'_>) -> io::Result<()> {
    let mut group = Group {
        skip: false,
        uc: 1,
        encoding: encoding_rs::WINDOWS_1252,
        font_table: false,
        in_table: false,
    };
    let mut stack: Vec<Group> = Vec::new();
    let mut fonts: HashMap<i32, &'static Encoding> = HashMap::new();
    let mut default_encoding = encoding_rs::WINDOWS_1252;
    // Font being defined in the font table.
    let mut defining_font: Option<i32> = None;
    // Fallback characters still to skip after `\uN`.
    let mut to_skip = 0u32;
    // The group just opened may start with `\*` (an ignorable destination).
    let mut group_start = false;
    // `\*` was just read: the next control word names the destination.
    let mut starred = false;
    while let Some(b) = next(input)? {
        match b {
            b'{' => {
                if stack.len() < MAX_DEPTH {
                    stack.push(group);
                }
                group_start = true;
                to_skip = 0;
                continue;
            }
            b'}' => {
                if let Some(outer) = stack.pop() {
                    if group.font_table && !outer.font_table {
                        defining_font = None;
                    }
                    group = outer;
                }
                to_skip = 0;
            }
            b'\\' => {
                let Some(c) = next(input)? else { break };
                if c.is_ascii_alphabetic() {
                    let mut word = String::new();
                    word.push(c as char);
                    while let Some(c) = peek(input)? {
                        if !c.is_ascii_alphabetic() || word.len() >= 32 {
                            break;
                        }
                        word.push(c as char);
                        input.consume(1);
                    }
                    let mut param: Option<i32> = None;
                    let negative = peek(input)? == Some(b'-');
                    if negative {
                        input.consume(1);
                    }
                    let mut digits = 0;
                    while let Some(c) = peek(input)? {
                        if !c.is_ascii_digit() || digits >= 10 {
                            break;
                        }
                        let value = param
                            .unwrap_or(0)
                            .saturating_mul(10)
                            .saturating_add(i32::from(c - b'0'));
                        param = Some(value);
                        digits += 1;
                        input.consume(1);
                    }
                    if negative {
                        param = param.map(|p| -p);
                    }
                    // One space after a control word is its delimiter.
                    if peek(input)? == Some(b' ') {
                        input.consume(1);
                    }
                    let starts_group = std::mem::take(&mut group_start);
                    if std::mem::take(&mut starred) && TEXT_DESTINATIONS.contains(&word.as_str()) {
                        // `{\*\annotation …}`: marked ignorable, but it is a
                        // comment's text.
                        group.skip = stack.last().is_some_and(|outer| outer.skip);
                    }
                    if starts_group && SKIPPED.contains(&word.as_str()) {
                        if word == "fonttbl" {
                            group.font_table = true;
                        }
                        group.skip = true;
                    }
                    if word == "bin" {
                        // Binary data: skipped by length, never interpreted.
                        let n = u64::try_from(param.unwrap_or(0)).unwrap_or(0);
                        io::copy(&mut input.by_ref().take(n), &mut io::sink())?;
                        continue;
                    }
                    if to_skip > 0 && !group.skip {
                        to_skip -= 1;
                        continue;
                    }
                    control_word(
                        &word,
                        param,
                        &mut group,
                        &mut fonts,
                        &mut default_encoding,
                        &mut defining_font,
                        &mut to_skip,
                        w,
                    );
                } else {
                    let starts_group = std::mem::take(&mut group_start);
                    match c {
                        b'*' if starts_group => {
                            group.skip = true;
                            starred = true;
                            // What follows is the destination's word.
                            continue;
                        }
                        b'\'' => {
                            let (Some(h1), Some(h2)) = (next(input)?, next(input)?) else {
                                break;
                            };
                            let hex = [h1, h2];
                            let byte = std::str::from_utf8(&hex)
                                .ok()
                                .and_then(|h| u8::from_str_radix(h, 16).ok());
                            if to_skip > 0 {
                                to_skip -= 1;
                            } else if let (Some(byte), false) = (byte, group.skip) {
                                w.byte(byte, group.encoding);
                            }
                        }
                        _ if group.skip => {}
                        _ if to_skip > 0 => to_skip -= 1,
                        b'\\' | b'{' | b'}' => w.push(c as char),
                        b'~' => w.push(' '),
                        b'_' => w.push('-'),
                        b'\n' | b'\r' => w.paragraph(),
                        _ => {}
                    }
                }
                continue;
            }
            b'\r' | b'\n' => continue,
            _ => {
                group_start = false;
                if group.skip {
                    continue;
                }
                if to_skip > 0 {
                    to_skip -= 1;
                    continue;
                }
                if b < 0x80 {
                    w.push(if b == b'\t' { '\t' } else { b as char });
                } else {
                    w.byte(b, group.encoding);
                }
                continue;
            }
        }
        group_start = false;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn control_word(
    word: &str,
    param: Option<i32>,
    group: &mut Group,
    fonts: &mut HashMap<i32, &'static Encoding>,
    default_encoding: &mut &'static Encoding,
    defining_font: &mut Option<i32>,
    to_skip: &mut u32,
    w: &mut Writer<'_>,
) {
    match word {
        "ansicpg" => {
            if let Some(e) = param.and_then(codepage_encoding) {
                *default_encoding = e;
                group.encoding = e;
            }
        }
        "f" if group.font_table => *defining_font = param,
        "fcharset" if group.font_table => {
            if let (Some(font), Some(e)) = (*defining_font, param.and_then(charset_encoding)) {
                fonts.insert(font, e);
            }
        }
        "f" => {
            group.encoding = param
                .and_then(|f| fonts.get(&f).copied())
                .unwrap_or(*default_encoding);
        }
        "uc" => group.uc = u32::try_from(param.unwrap_or(1)).unwrap_or(1).min(16),
        _ if group.skip => {}
        "u" => {
            if let Some(n) = param {
                w.unicode(n);
                *to_skip = group.uc;
            }
        }
        "intbl" => group.in_table = true,
        "pard" => group.in_table = false,
        "par" | "line" if w.prose && group.in_table => w.push(CELL_PARAGRAPH),
        "cell" if w.prose => w.push(CELL_END),
        "par" | "line" | "row" | "sect" | "page" => w.paragraph(),
        "tab" | "cell" => w.push('\t'),
        "emdash" | "endash" => w.push('-'),
        "lquote" | "rquote" => w.push('\''),
        "ldblquote" | "rdblquote" => w.push('"'),
        "bullet" => w.push('*'),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::structured::testing::Recorder;

    fn text(rtf: &str) -> String {
        let mut r = Recorder::default();
        scan(rtf.as_bytes(), &mut r).unwrap();
        r.plain
    }

    #[test]
    fn code_pages_unicode_and_skipped_destinations() {
        let rtf = r#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fcharset0 Times;}{\f1\fcharset204 Arial;}}
{\colortbl;\red0\green0\blue0;}{\*\generator Writer;}{\info{\author Иван}}
\pard\plain\f1 \'c8\'c8\'cd: 850315300128\par
\f0 \u1058?\u1077?\u1083?: +7 701 234 56 78\par
{\field{\*\fldinst HYPERLINK "mailto:a@b.kz"}{\fldrslt a@b.kz}}{\*\atnid x}{\*\annotation{\*\atndate 1}note}\par
Table\cell x\cell\row
a\{b\}\\c\~d\line e\par}"#;
        assert_eq!(
            text(rtf),
            "ИИН: 850315300128\nТел: +7 701 234 56 78\na@b.kznote\nTable\tx\t\na{b}\\c d\ne\n"
        );
    }

    #[test]
    fn unicode_fallbacks_are_skipped_by_uc_and_surrogates_joined() {
        assert_eq!(
            text(r"{\rtf1\uc2\u1048\'3f\'3fX\uc0\u-10179\u-8704\par}"),
            "ИX😀\n"
        );
    }

    #[test]
    fn hostile_input_stays_bounded() {
        let deep = "{".repeat(100_000) + "a@b.kz" + &"}".repeat(100_000);
        assert_eq!(text(&format!("{{\\rtf1 {deep}}}")), "a@b.kz");
        assert_eq!(text(r"{\rtf1\bin99999999 x"), "");
        assert_eq!(text(r"{\rtf1\u99999999999\'zz\'"), "\u{FFFD}");
    }
}
