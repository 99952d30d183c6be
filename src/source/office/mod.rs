//! Office files read as what they are: spreadsheets (`.xlsx` `.xlsm`
//! `.xlsb` `.xls` `.ods`, through `calamine`), word-processor and slide
//! documents (`.docx` `.odt` `.pptx` `.odp`, streamed with `quick-xml`) and
//! RTF.
//!
//! Formats are recognised by content, never by extension alone, so an
//! export renamed `.dat` or sitting in `backup.zip!hr.xlsx` is read too:
//!
//! - a zip whose members include `[Content_Types].xml` (Office Open XML) or
//!   a `mimetype` member naming an OpenDocument type;
//! - an OLE compound file (`D0 CF 11 E0 A1 B1 1A E1`) holding a `Workbook`
//!   or `Book` stream (`.xls`); other OLE files are left to the caller;
//! - `{\rtf` at the start.
//!
//! Spreadsheet cells and document table cells reach the detectors as
//! [`CellBatch`](super::structured::CellBatch)es, like CSV rows, so column
//! names give evidence and context the same way.

use super::compress::{CompressedSize, Limited};
use super::{Ctx, Flow, Node, SourceSink};
use crate::model::ScanError;
use std::io::{self, Read, Seek};

mod document;
mod extent;
mod rtf;
mod sheet;
mod table;

/// What a zip package holds, from its member names and `mimetype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Package {
    Xlsx,
    Xlsb,
    Ods,
    Docx,
    Pptx,
    /// OpenDocument text (`.odt`) or presentation (`.odp`): one grammar.
    OdfText,
}

/// Whether `head` starts an RTF document.
pub(crate) fn is_rtf(head: &[u8]) -> bool {
    head.starts_with(b"{\\rtf")
}

/// Recognises an office package among zip archives. `None` for any other
/// zip, which is then read member by member as an archive.
pub(crate) fn package_kind<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Option<Package> {
    let has = |zip: &zip::ZipArchive<R>, name: &str| zip.index_for_name(name).is_some();
    if has(zip, "[Content_Types].xml") {
        return if has(zip, "xl/workbook.xml") {
            Some(Package::Xlsx)
        } else if has(zip, "xl/workbook.bin") {
            Some(Package::Xlsb)
        } else if has(zip, "word/document.xml") {
            Some(Package::Docx)
        } else if has(zip, "ppt/presentation.xml") {
            Some(Package::Pptx)
        } else {
            None
        };
    }
    // OpenDocument: `mimetype` is the first member, stored, and names the type.
    let mut mime = String::new();
    zip.by_name("mimetype")
        .ok()?
        .take(128)
        .read_to_string(&mut mime)
        .ok()?;
    match mime.trim() {
        "application/vnd.oasis.opendocument.spreadsheet" => Some(Package::Ods),
        "application/vnd.oasis.opendocument.text"
        | "application/vnd.oasis.opendocument.presentation" => Some(Package::OdfText),
        _ => None,
    }
}

/// Reads an office package already opened as a zip archive.
pub(crate) fn scan_package<R: Read + Seek>(
    zip: zip::ZipArchive<R>,
    kind: Package,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) -> Flow {
    match kind {
        Package::Xlsx | Package::Xlsb | Package::Ods => {
            sheet::scan_package(zip, kind, node, ctx, sink)
        }
        Package::Docx | Package::Pptx | Package::OdfText => {
            document::scan_package(zip, kind, node, ctx, sink)
        }
    }
}

/// Reads an OLE compound file as an `.xls` workbook. `None` when it holds
/// no workbook (a `.doc`, `.msg`, …): the caller decides what to do then.
pub(crate) fn scan_ole<R: Read + Seek>(
    reader: R,
    node: &Node,
    sink: &mut dyn SourceSink,
) -> Option<Flow> {
    sheet::scan_xls(reader, node, sink)
}

/// Reads an RTF document from a stream.
pub(crate) fn scan_rtf<R: Read>(
    reader: R,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) -> Flow {
    sink.begin(&node.meta());
    let flow = match rtf::scan(reader, sink) {
        Ok(()) => Flow::Done,
        Err(e) => ctx.report(e, &node.display, sink),
    };
    sink.end();
    flow
}

/// Most XML (or RTF) text read from one document by [`document_prose`].
const PROSE_LIMIT: u64 = 256 << 20;

/// The text of a word-processor document (`.docx`, `.odt`, recognised by
/// content) or an RTF file, read whole as prose, for drafting a policy
/// from it: one paragraph a line, list items after `- `, a table row one
/// line with its cells joined by ` | ` ([`document::prose`]). Only the
/// body is read: headers, footers and comments are not policy text. The
/// zip-bomb limits of a scan apply. Errors say what is wrong with the
/// file, never quote it.
pub fn document_prose(bytes: &[u8]) -> Result<String, String> {
    if is_rtf(bytes) {
        return rtf_prose(bytes);
    }
    let mut zip = zip::ZipArchive::new(io::Cursor::new(bytes))
        .map_err(|e| format!("not a .docx, .odt or .rtf document ({e})"))?;
    let (part, grammar) = match package_kind(&mut zip) {
        Some(Package::Docx) => ("word/document.xml", &document::WORD),
        Some(Package::OdfText) => ("content.xml", &document::ODF),
        Some(other) => return Err(format!("a {other:?} package, not a text document")),
        None => return Err("a zip archive, not a .docx or .odt document".to_string()),
    };
    let budget = super::compress::Budget::new(bytes.len() as u64, PROSE_LIMIT, 200);
    let index = zip
        .index_for_name(part)
        .ok_or_else(|| format!("the document has no {part}"))?;
    let member = zip
        .by_index(index)
        .map_err(|e| format!("{part}: not readable ({e})"))?;
    let compressed = member.compressed_size();
    let reader = Limited::new(member, &budget, CompressedSize::Known(compressed));
    document::prose(reader, grammar).map_err(|e| match e {
        document::XmlFailure::Io(e) => format!("{part}: {e}"),
        document::XmlFailure::Syntax(m) => format!("{part}: malformed XML ({m})"),
    })
}

/// RTF as prose: the reader's lines, a table row's cells joined by ` | `,
/// the paragraphs of a cell by `; ` (their list bullets dropped), tabs as
/// spaces.
fn rtf_prose(bytes: &[u8]) -> Result<String, String> {
    let mut text = Collect::default();
    rtf::scan_prose(io::Read::take(bytes, PROSE_LIMIT), &mut text)
        .map_err(|e| format!("RTF not readable ({e})"))?;
    let mut out = String::with_capacity(text.0.len());
    for line in text.0.lines() {
        let line = line.replace('\t', " ");
        if line.contains(rtf::CELL_END) {
            let cells: Vec<String> = line
                .trim_end_matches(|c: char| c == rtf::CELL_END || c.is_whitespace())
                .split(rtf::CELL_END)
                .map(|cell| {
                    cell.split(rtf::CELL_PARAGRAPH)
                        .map(|p| p.trim().trim_start_matches(['•', '·', '*', '-']).trim())
                        .filter(|p| !p.is_empty())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .collect();
            out.push_str(&cells.join(" | "));
        } else {
            out.push_str(line.replace(rtf::CELL_PARAGRAPH, " ").trim_end());
        }
        out.push('\n');
    }
    Ok(out)
}

/// A sink that keeps only the text a reader sends.
#[derive(Default)]
struct Collect(String);

impl SourceSink for Collect {
    fn begin(&mut self, _: &crate::model::FileMeta) {}
    fn segment(&mut self, seg: &crate::model::Segment<'_>) {
        self.0.push_str(&seg.text[seg.report.clone()]);
    }
    fn field(&mut self, _: &str, _: u64) {}
    fn notice(&mut self, _: crate::model::Notice) {}
    fn error(&mut self, _: ScanError) {}
    fn skipped(&mut self, _: &str, _: crate::model::SkipReason) {}
    fn end(&mut self) {}
}

/// Opens package member `name` for reading under the file's decompression
/// budget (the zip-bomb limits of [`super::compress`]). `None` when the
/// package has no such member.
fn open_member<'z, R: Read + Seek>(
    zip: &'z mut zip::ZipArchive<R>,
    name: &str,
    ctx: &'z Ctx,
) -> Option<zip::result::ZipResult<Box<dyn Read + 'z>>> {
    let index = zip.index_for_name(name)?;
    Some(zip.by_index(index).map(|member| {
        let compressed = member.compressed_size();
        Box::new(Limited::new(
            member,
            &ctx.budget,
            CompressedSize::Known(compressed),
        )) as Box<dyn Read + 'z>
    }))
}

/// A package member that cannot be read: an error naming it.
fn member_error(node: &Node, member: &str, message: impl std::fmt::Display) -> ScanError {
    ScanError {
        path: format!("{}!{member}", node.display),
        message: message.to_string(),
    }
}

/// Reads an `io::Error` from a member read: limits become notices.
fn report_member(ctx: &Ctx, node: &Node, member: &str, err: io::Error, sink: &mut dyn SourceSink) {
    let _ = ctx.report(err, &format!("{}!{member}", node.display), sink);
}
