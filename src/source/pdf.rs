//! PDF: the text of each page, extracted with `pdf-extract` (on `lopdf`).
//!
//! Each page is a segment whose `field` is `page N` (1-based) and whose
//! lines count from 1 on that page, so a finding says "page 3, line 12".
//! Encrypted PDFs that do not open with the empty password are skipped
//! (`encrypted`), and so are PDFs whose pages hold no text at all
//! (`image_only`: scans, which need OCR).
//!
//! Malformed input must neither crash nor hang the scan, and the reader
//! was not written for hostile files (it unwraps, and it follows form
//! XObjects recursively). So, per file:
//! - the file is read into memory only up to [`PDF_IN_MEMORY_LIMIT`];
//! - flate streams other than images are inflated here, up to
//!   [`INFLATE_LIMIT`] in all, before the reader sees them (a flate bomb
//!   is cut, not allocated);
//! - form XObjects that call each other in a cycle, or nest deeper than
//!   [`MAX_FORM_DEPTH`], make the file an error before extraction starts
//!   (the reader would recurse until the stack overflows, which no
//!   `catch_unwind` can catch);
//! - extraction runs on a thread of its own under `catch_unwind`, with a
//!   deadline checked as text comes out ([`TIME_LIMIT`]); a thread stuck
//!   past it is abandoned and the file reported, so the scan goes on;
//! - the text kept is bounded ([`TEXT_LIMIT`]).

use super::SourceSink;
use crate::model::{Notice, ScanError, Segment, SkipReason};
use lopdf::{Document, Object, ObjectId};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Largest PDF read (it is parsed in memory).
pub const PDF_IN_MEMORY_LIMIT: u64 = 128 << 20;
/// Most bytes inflated from one PDF's flate streams together.
pub const INFLATE_LIMIT: u64 = 512 << 20;
/// Most extracted text kept from one PDF.
pub const TEXT_LIMIT: usize = 64 << 20;
/// Longest time one PDF may take.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
/// Deepest chain of form XObjects drawn inside each other.
pub const MAX_FORM_DEPTH: usize = 64;
/// The extraction thread's stack: deep enough for [`MAX_FORM_DEPTH`] forms.
const STACK_SIZE: usize = 64 << 20;
/// The name of extraction threads (their panics are contained by
/// [`super::guard::contain`] and reported as errors of the file).
const THREAD_NAME: &str = "tizim-pdf";

/// `%PDF-` within the first KiB, as readers accept it (some producers put
/// junk before the header).
pub fn looks_like(head: &[u8]) -> bool {
    memchr::memmem::find(&head[..head.len().min(1024)], b"%PDF-").is_some()
}

/// What came out of one PDF.
#[derive(Debug)]
pub enum Extracted {
    /// The text of each page, in page order.
    Pages(Vec<String>),
    Encrypted,
    /// Pages, but no text on any of them.
    ImageOnly {
        pages: usize,
    },
}

/// Reads the PDF (bounded) and feeds each page's text to `sink`.
pub(super) fn scan<R: Read>(
    reader: R,
    node: &super::Node,
    ctx: &super::Ctx,
    sink: &mut dyn SourceSink,
) -> super::Flow {
    let bytes = match super::read_bounded(reader, PDF_IN_MEMORY_LIMIT) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            sink.notice(Notice {
                path: node.display.clone(),
                line: None,
                reason: Some(SkipReason::SizeLimit),
                message: format!(
                    "PDF larger than {}; not read",
                    super::compress::human_size(PDF_IN_MEMORY_LIMIT)
                ),
            });
            return super::Flow::Done;
        }
        Err(e) => return ctx.report(e, &node.display, sink),
    };
    match extract_guarded(bytes) {
        Ok(Extracted::Pages(pages)) => {
            sink.begin(&node.meta());
            for (index, text) in pages.iter().enumerate() {
                let field = format!("page {}", index + 1);
                sink.segment(&Segment::whole(text, 1, Some(&field)));
            }
            sink.end();
        }
        Ok(Extracted::Encrypted) => sink.notice(Notice {
            path: node.display.clone(),
            line: None,
            reason: Some(SkipReason::Encrypted),
            message: "encrypted PDF (a password is needed to read it); not read".to_string(),
        }),
        Ok(Extracted::ImageOnly { pages }) => sink.notice(Notice {
            path: node.display.clone(),
            line: None,
            reason: Some(SkipReason::ImageOnly),
            message: format!(
                "PDF of {pages} page{} without a text layer (scanned images need OCR); not read",
                if pages == 1 { "" } else { "s" }
            ),
        }),
        Err(message) => sink.error(ScanError {
            path: node.display.clone(),
            message,
        }),
    }
    super::Flow::Done
}

/// [`extract`] on a thread of its own, under `catch_unwind` and the time
/// limit. Errors are messages about the file, never its content.
pub fn extract_guarded(bytes: Vec<u8>) -> Result<Extracted, String> {
    let (tx, rx) = mpsc::channel();
    let deadline = Instant::now() + TIME_LIMIT;
    let spawned = std::thread::Builder::new()
        .name(THREAD_NAME.to_string())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let result = super::guard::contain(|| extract(&bytes, deadline));
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(format!("PDF reader thread not started: {e}"));
    }
    // A little past the deadline: extraction checks it itself as text
    // comes out; this catches a reader stuck where no text comes out.
    match rx.recv_timeout(TIME_LIMIT + Duration::from_secs(2)) {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("malformed PDF: the PDF reader failed on it".to_string()),
        Err(_) => Err(format!(
            "PDF not read within {} s; abandoned",
            TIME_LIMIT.as_secs()
        )),
    }
}

/// Loads, checks and extracts one PDF. May panic inside the reader: call
/// through [`extract_guarded`].
pub fn extract(bytes: &[u8], deadline: Instant) -> Result<Extracted, String> {
    let mut doc = Document::load_mem(bytes).map_err(|e| format!("malformed PDF: {e}"))?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Ok(Extracted::Encrypted);
    }
    inflate_streams(&mut doc)?;
    check_forms(&doc)?;
    let pages = doc.get_pages();
    let mut texts = Vec::with_capacity(pages.len());
    let mut budget = Budget {
        deadline,
        text_left: TEXT_LIMIT,
    };
    for &number in pages.keys() {
        let mut text = String::new();
        {
            let mut plain = pdf_extract::PlainTextOutput::new(&mut text);
            let mut guarded = Guarded {
                inner: &mut plain,
                budget: &mut budget,
            };
            if let Err(e) = pdf_extract::output_doc_page(&doc, &mut guarded, number) {
                return Err(match budget.exceeded() {
                    Some(why) => why,
                    None => format!("malformed PDF (page {number}): {e}"),
                });
            }
        }
        // The reader starts each page with line breaks (its first glyph
        // is far below the top); line 1 is the page's first line of text.
        let first = text.len() - text.trim_start_matches(['\n', '\r']).len();
        text.drain(..first);
        texts.push(text);
    }
    if !pages.is_empty() && texts.iter().all(|t| t.trim().is_empty()) {
        return Ok(Extracted::ImageOnly { pages: pages.len() });
    }
    Ok(Extracted::Pages(texts))
}

struct Budget {
    deadline: Instant,
    text_left: usize,
}

impl Budget {
    fn exceeded(&self) -> Option<String> {
        if Instant::now() > self.deadline {
            Some(format!(
                "PDF not read within {} s; abandoned",
                TIME_LIMIT.as_secs()
            ))
        } else if self.text_left == 0 {
            Some(format!(
                "PDF holds more than {} of text; not read",
                super::compress::human_size(TEXT_LIMIT as u64)
            ))
        } else {
            None
        }
    }
}

/// Passes the reader's output on, stopping it (with an error the reader
/// propagates) once the deadline or the text allowance is passed.
struct Guarded<'a> {
    inner: &'a mut dyn pdf_extract::OutputDev,
    budget: &'a mut Budget,
}

fn stop() -> pdf_extract::OutputError {
    pdf_extract::OutputError::IoError(std::io::Error::other("limit reached"))
}

impl pdf_extract::OutputDev for Guarded<'_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &pdf_extract::MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), pdf_extract::OutputError> {
        self.inner.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_page()
    }

    fn output_character(
        &mut self,
        trm: &pdf_extract::Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), pdf_extract::OutputError> {
        // A character costs at most its bytes and two separators.
        self.budget.text_left = self.budget.text_left.saturating_sub(char.len() + 2);
        if self.budget.exceeded().is_some() {
            return Err(stop());
        }
        self.inner
            .output_character(trm, width, spacing, font_size, char)
    }

    fn begin_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.begin_word()
    }

    fn end_word(&mut self) -> Result<(), pdf_extract::OutputError> {
        self.inner.end_word()
    }

    fn end_line(&mut self) -> Result<(), pdf_extract::OutputError> {
        if self.budget.exceeded().is_some() {
            return Err(stop());
        }
        self.inner.end_line()
    }
}

/// The filters of a stream, outermost first.
fn filters(dict: &lopdf::Dictionary) -> Vec<&[u8]> {
    match dict.get(b"Filter") {
        Ok(Object::Name(name)) => vec![name.as_slice()],
        Ok(Object::Array(list)) => list.iter().filter_map(|o| o.as_name().ok()).collect(),
        _ => Vec::new(),
    }
}

/// Inflates every plain flate stream (no predictor, no further filter) in
/// place, within [`INFLATE_LIMIT`] for the whole file, so the reader never
/// inflates a bomb itself. A stream that does not inflate is left as it
/// is (the reader then takes its bytes raw).
fn inflate_streams(doc: &mut Document) -> Result<(), String> {
    let mut left = INFLATE_LIMIT;
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        // Images are never drawn into text: inflating a scan's pages would
        // only spend the allowance (and make an image-only PDF an error).
        let image = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .is_ok_and(|n| n == b"Image");
        if image
            || filters(&stream.dict) != [b"FlateDecode".as_slice()]
            || stream.dict.has(b"DecodeParms")
        {
            continue;
        }
        let mut inflated = Vec::new();
        let mut decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice()).take(left + 1);
        if decoder.read_to_end(&mut inflated).is_err() {
            continue;
        }
        if inflated.len() as u64 > left {
            return Err(format!(
                "PDF streams inflate to more than {}; not read",
                super::compress::human_size(INFLATE_LIMIT)
            ));
        }
        left -= inflated.len() as u64;
        stream.dict.remove(b"Filter");
        stream.set_content(inflated);
    }
    Ok(())
}

/// Form XObjects may draw each other (`/Fm1 Do`); the reader follows them
/// recursively without a limit. A form is taken to draw every form of the
/// name it calls in any resource dictionary of the file (a form without
/// resources of its own uses its caller's), which can only overstate the
/// nesting. Cycles and chains deeper than [`MAX_FORM_DEPTH`] are errors.
fn check_forms(doc: &Document) -> Result<(), String> {
    let is_form = |id: &ObjectId| {
        matches!(doc.objects.get(id), Some(Object::Stream(s))
            if s.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Form"))
    };
    // Every name under which a form appears in an /XObject dictionary.
    let mut named: HashMap<&[u8], Vec<ObjectId>> = HashMap::new();
    for object in doc.objects.values() {
        let dict = match object {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        let resources = match dict.get(b"Resources") {
            Ok(Object::Dictionary(d)) => Some(d),
            Ok(Object::Reference(id)) => doc.get_dictionary(*id).ok(),
            _ => None,
        };
        let candidates = [Some(dict), resources];
        for holder in candidates.into_iter().flatten() {
            let xobjects = match holder.get(b"XObject") {
                Ok(Object::Dictionary(d)) => d,
                Ok(Object::Reference(id)) => match doc.get_dictionary(*id) {
                    Ok(d) => d,
                    Err(_) => continue,
                },
                _ => continue,
            };
            for (name, value) in xobjects.iter() {
                if let Object::Reference(id) = value {
                    if is_form(id) {
                        named.entry(name.as_slice()).or_default().push(*id);
                    }
                }
            }
        }
    }
    if named.is_empty() {
        return Ok(());
    }
    // Edges: form → the forms it may draw.
    let forms: HashSet<ObjectId> = named.values().flatten().copied().collect();
    let mut calls: HashMap<ObjectId, Vec<ObjectId>> = HashMap::new();
    for &form in &forms {
        let Some(Object::Stream(stream)) = doc.objects.get(&form) else {
            continue;
        };
        let mut targets = Vec::new();
        for name in drawn_names(&stream.content) {
            if let Some(ids) = named.get(name) {
                targets.extend_from_slice(ids);
            }
        }
        targets.sort();
        targets.dedup();
        calls.insert(form, targets);
    }
    // Kahn's algorithm: what is left unsorted lies on a cycle; the longest
    // chain is counted along the way.
    let mut callers: HashMap<ObjectId, usize> = forms.iter().map(|&f| (f, 0)).collect();
    for targets in calls.values() {
        for t in targets {
            *callers.entry(*t).or_default() += 1;
        }
    }
    let mut depth: HashMap<ObjectId, usize> = HashMap::new();
    let mut ready: VecDeque<ObjectId> = callers
        .iter()
        .filter(|(_, &n)| n == 0)
        .map(|(&f, _)| f)
        .collect();
    let mut sorted = 0;
    while let Some(form) = ready.pop_front() {
        sorted += 1;
        let d = *depth.entry(form).or_insert(1);
        if d > MAX_FORM_DEPTH {
            return Err(format!(
                "malformed PDF: form XObjects nest deeper than {MAX_FORM_DEPTH}; not read"
            ));
        }
        for t in calls.get(&form).map(Vec::as_slice).unwrap_or_default() {
            let td = depth.entry(*t).or_insert(1);
            *td = (*td).max(d + 1);
            let n = callers.get_mut(t).expect("every target is a form");
            *n -= 1;
            if *n == 0 {
                ready.push_back(*t);
            }
        }
    }
    if sorted < callers.len() {
        return Err(
            "malformed PDF: form XObjects draw each other in a cycle; not read".to_string(),
        );
    }
    Ok(())
}

/// The names a content stream draws with `Do` (`/Fm1 Do`). A plain token
/// scan: content streams are tokens separated by whitespace, and a name
/// in a string would at worst add an edge.
fn drawn_names(content: &[u8]) -> Vec<&[u8]> {
    let mut names = Vec::new();
    let mut previous: Option<&[u8]> = None;
    for token in content
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
    {
        if token == b"Do" {
            if let Some(name) = previous.and_then(|p| p.strip_prefix(b"/")) {
                names.push(name);
            }
        }
        previous = Some(token);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_names_are_the_operands_of_do() {
        assert_eq!(
            drawn_names(b"q /Fm1 Do Q\n/Im2 Do BT (Do) Tj ET"),
            [b"Fm1".as_slice(), b"Im2".as_slice()]
        );
    }

    #[test]
    fn recognised_with_junk_before_the_header() {
        assert!(looks_like(b"%PDF-1.7\n"));
        assert!(looks_like(b"\xef\xbb\xbfjunk\n%PDF-1.4\n"));
        assert!(!looks_like(b"id,pdf\n1,%PD"));
    }
}
