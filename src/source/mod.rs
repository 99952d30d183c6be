//! Source stage: turns one file into decoded text segments.
//!
//! Decoding (UTF-8, UTF-16, cp1251), decompression (gz, bz2, xz, zst),
//! archives (zip, tar, nested: `outer!inner`) and structured formats (SQL
//! dumps, CSV/TSV, JSON/NDJSON) all live under this module. A source never
//! detects anything itself: it pushes [`Segment`]s into a [`SourceSink`].

use crate::model::{FileMeta, Notice, ScanError, Segment, SkipReason, TableRead};

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
    /// A field with a description of its own (a database column comment,
    /// `COMMENT ON COLUMN … IS 'ИИН клиента'`): the description can give
    /// name-only evidence as the name does. By default, ignored.
    fn field_described(&mut self, name: &str, description: &str, line: u64) {
        let _ = (name, description, line);
    }
    /// A database table was read (between its `begin` and `end`): rows read,
    /// rows estimated, whether sampled, row ages. By default, ignored.
    fn table(&mut self, read: TableRead) {
        let _ = read;
    }
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

use std::fs::File;
use std::io::{self, BufRead, Read, Seek};
use std::path::Path;

pub mod archive;
pub mod compress;
pub mod db;
pub mod decode;
pub mod guard;
pub mod mail;
pub mod numeric;
mod office;
pub mod pdf;
mod spare;

pub use office::document_prose;
pub mod structured;
pub mod text;
pub mod unread;

use compress::{Budget, CompressedSize, Counting, Format, LimitHit, Limited};
use decode::{Sniffed, TextDecoder};

/// How sources read files. Filled from the CLI.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// Force a text encoding (`--encoding`), an `encoding_rs` label.
    pub encoding: Option<String>,
    /// How deep archives may nest (`outer!inner!…`).
    pub max_archive_depth: u32,
    /// Most decompressed bytes read from one top-level file, all its
    /// compressed streams and archive members together.
    pub max_decompressed: u64,
    /// Largest decompressed : compressed ratio tolerated before calling it a
    /// bomb, judged per stream and for the whole file once past
    /// [`compress::RATIO_FLOOR`] bytes.
    pub max_ratio: u64,
    /// Parse SQL / CSV / JSON structure (`--no-structure` turns it off).
    pub structured: bool,
    /// How databases (and SQLite files met in the walk) are read.
    pub db: db::DbOptions,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            encoding: None,
            max_archive_depth: 4,
            max_decompressed: 4 << 30,
            max_ratio: 200,
            structured: true,
            db: db::DbOptions::default(),
        }
    }
}

/// Compression layers stacked directly on each other (`.tar.gz` is one,
/// a gzip of a gzip two); more than this is only ever a bomb or a quine.
const MAX_COMPRESSION_LAYERS: u32 = 3;

/// Text files smaller than this are read whole before decoding: one
/// plain-text window ([`text::CHUNK`]) holds them anyway.
const WHOLE_FILE_LIMIT: u64 = text::CHUNK as u64;

/// Opens a file read-only without updating its access time where the OS
/// allows (`O_NOATIME` needs ownership or CAP_FOWNER; otherwise a plain
/// read-only open), so an audit leaves no trace. `O_NONBLOCK` makes opening
/// a FIFO that slipped past the walker return at once instead of hanging;
/// it changes nothing for regular files.
pub fn open_readonly(path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        #[cfg(target_os = "linux")]
        {
            match std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOATIME | libc::O_NONBLOCK)
                .open(path)
            {
                Err(e) if e.raw_os_error() == Some(libc::EPERM) => {}
                other => return other,
            }
        }
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
    }
    #[cfg(not(unix))]
    {
        File::open(path)
    }
}

fn unix_seconds(time: io::Result<std::time::SystemTime>) -> Option<i64> {
    let time = time.ok()?;
    Some(match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    })
}

/// Reads one file from disk (read-only) and feeds it to `sink`. Never fails
/// the scan: problems become `sink.error` / `sink.notice` calls.
///
/// `display` is the path as it should appear in findings.
pub fn read_file(path: &Path, display: &str, opts: &SourceOptions, sink: &mut dyn SourceSink) {
    read_walked_file(path, display, None, opts, sink);
}

/// [`read_file`] with what the walker already read of the file (`known`:
/// its size and times), which saves a `stat` a file; without it the opened
/// file is asked.
pub fn read_walked_file(
    path: &Path,
    display: &str,
    known: Option<&std::fs::Metadata>,
    opts: &SourceOptions,
    sink: &mut dyn SourceSink,
) {
    let forced = match opts.encoding.as_deref().map(decode::encoding_for_label) {
        None => None,
        Some(Ok(e)) => Some(e),
        Some(Err(message)) => {
            sink.error(ScanError {
                path: display.to_string(),
                message,
            });
            return;
        }
    };
    let file = match open_readonly(path) {
        Ok(f) => f,
        Err(e) => {
            sink.error(ScanError {
                path: display.to_string(),
                message: e.to_string(),
            });
            return;
        }
    };
    let asked;
    let metadata = match known {
        Some(m) => m,
        None => match file.metadata() {
            Ok(m) => {
                asked = m;
                &asked
            }
            Err(e) => {
                sink.error(ScanError {
                    path: display.to_string(),
                    message: e.to_string(),
                });
                return;
            }
        },
    };
    if !metadata.is_file() {
        sink.skipped(display, SkipReason::Special);
        return;
    }
    let ctx = Ctx {
        opts,
        forced,
        budget: Budget::new(metadata.len(), opts.max_decompressed, opts.max_ratio),
    };
    let node = Node {
        display: display.to_string(),
        name: display.to_string(),
        modified: unix_seconds(metadata.modified()),
        depth: 0,
        layers: 0,
        size_hint: Some(metadata.len()),
    };
    let mut head = Peeked::new(file);
    if let Err(e) = head.fill(decode::SNIFF_LEN) {
        let _ = ctx.report(e, display, sink);
        return;
    }
    if head.head().starts_with(db::SQLITE_MAGIC) {
        // A SQLite database, whatever its name: read as one, by path.
        let modified = unix_seconds(metadata.modified());
        db::sqlite::read_file(path, display, modified, &opts.db, sink);
        return;
    }
    if unread::is_ole(head.head()) {
        // An `.xls` needs random access, which the file gives.
        let mut file = head.into_inner();
        if let Err(e) = file.rewind() {
            let _ = ctx.report(e, display, sink);
            return;
        }
        if office::scan_ole(io::BufReader::new(&mut file), &node, sink).is_some() {
            return;
        }
        // Not a workbook (a `.doc`, an `.msg`): read on as any other file.
        if let Err(e) = file.rewind() {
            let _ = ctx.report(e, display, sink);
            return;
        }
        head = Peeked::new(file);
        if let Err(e) = head.fill(decode::SNIFF_LEN) {
            let _ = ctx.report(e, display, sink);
            return;
        }
    }
    if Format::detect(head.head(), &node.name) == Format::Zip && node.depth < opts.max_archive_depth
    {
        // The file itself gives the random access zip needs.
        let mut file = head.into_inner();
        match file.rewind() {
            Ok(()) => {
                let _ = archive::scan_zip(io::BufReader::new(file), &node, &ctx, sink);
            }
            Err(e) => {
                let _ = ctx.report(e, display, sink);
            }
        }
        return;
    }
    let _ = ctx.scan_peeked(head, &node, sink);
}

/// Reads one stream (standard input, bytes an engine such as Spark hands
/// over) as if it were a file called `display`: the name picks structured
/// formats, the content picks compression and archives, exactly as for a
/// file. Its size is unknown, so the whole-file compression ratio cannot be
/// judged; each compressed stream's own ratio and `--max-decompressed` still
/// hold. A zip is buffered in memory up to [`archive::ZIP_IN_MEMORY_LIMIT`].
pub fn read_stream(
    input: Box<dyn Read + '_>,
    display: &str,
    modified: Option<i64>,
    opts: &SourceOptions,
    sink: &mut dyn SourceSink,
) {
    let forced = match opts.encoding.as_deref().map(decode::encoding_for_label) {
        None => None,
        Some(Ok(e)) => Some(e),
        Some(Err(message)) => {
            sink.error(ScanError {
                path: display.to_string(),
                message,
            });
            return;
        }
    };
    let ctx = Ctx {
        opts,
        forced,
        budget: Budget::new(u64::MAX, opts.max_decompressed, opts.max_ratio),
    };
    let node = Node {
        display: display.to_string(),
        name: display.to_string(),
        modified,
        depth: 0,
        layers: 0,
        size_hint: None,
    };
    let _ = ctx.scan_stream(input, &node, sink);
}

/// The file or member being read.
pub(crate) struct Node {
    /// Display path: `outer!inner` for members.
    display: String,
    /// Name used to guess formats (compression suffixes dropped).
    name: String,
    modified: Option<i64>,
    /// Archives entered to reach this node.
    depth: u32,
    /// Compression layers stacked since the last archive member.
    layers: u32,
    size_hint: Option<u64>,
}

impl Node {
    fn member(&self, inner: &str, modified: Option<i64>, size: Option<u64>) -> Node {
        Node {
            display: format!("{}!{inner}", self.display),
            name: inner.to_string(),
            modified,
            depth: self.depth + 1,
            layers: 0,
            size_hint: size,
        }
    }

    fn meta(&self) -> FileMeta {
        FileMeta {
            path: self.display.clone(),
            modified: self.modified,
        }
    }
}

/// How a stream ended, as far as the layer that handed it out cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub(crate) enum Flow {
    /// Read to the end (or deliberately skipped).
    Done,
    /// Reading the input failed; already reported. Layers above that share
    /// the same bytes (tar, a compressed stream) must stop too.
    InputFailed,
}

/// What every layer of one top-level file shares.
pub(crate) struct Ctx<'o> {
    opts: &'o SourceOptions,
    forced: Option<&'static encoding_rs::Encoding>,
    budget: Budget,
}

impl Ctx<'_> {
    /// Reports a failed read: a limit becomes a notice with its reason,
    /// anything else an error.
    fn report(&self, err: io::Error, display: &str, sink: &mut dyn SourceSink) -> Flow {
        match LimitHit::find(&err) {
            Some(hit) => sink.notice(Notice {
                path: display.to_string(),
                line: None,
                reason: Some(hit.reason),
                message: hit.message.clone(),
            }),
            None => sink.error(ScanError {
                path: display.to_string(),
                message: err.to_string(),
            }),
        }
        Flow::InputFailed
    }

    fn depth_notice(&self, node: &Node, what: &str, sink: &mut dyn SourceSink) -> Flow {
        sink.notice(Notice {
            path: node.display.clone(),
            line: None,
            reason: Some(SkipReason::DepthLimit),
            message: format!("{what}; not opened"),
        });
        Flow::Done
    }

    /// Scans a stream whose format is not known yet.
    fn scan_stream<'a>(
        &self,
        input: Box<dyn Read + 'a>,
        node: &Node,
        sink: &mut dyn SourceSink,
    ) -> Flow {
        let mut head = Peeked::new(input);
        if let Err(e) = head.fill(decode::SNIFF_LEN) {
            return self.report(e, &node.display, sink);
        }
        self.scan_peeked(head, node, sink)
    }

    fn scan_peeked<R: Read>(
        &self,
        mut head: Peeked<R>,
        node: &Node,
        sink: &mut dyn SourceSink,
    ) -> Flow {
        if head.head().starts_with(db::SQLITE_MAGIC) {
            return self.scan_sqlite_member(head, node, sink);
        }
        let format = Format::detect(head.head(), &node.name);
        match format {
            _ if format.is_compression() => {
                if node.layers >= MAX_COMPRESSION_LAYERS {
                    return self.depth_notice(
                        node,
                        &format!("more than {MAX_COMPRESSION_LAYERS} compression layers"),
                        sink,
                    );
                }
                let (counting, compressed) = Counting::new(head);
                let decompressed = match compress::decompressor(format, Box::new(counting)) {
                    Ok(d) => d,
                    Err(e) => return self.report(e, &node.display, sink),
                };
                let limited = Limited::new(
                    decompressed,
                    &self.budget,
                    CompressedSize::Counted(compressed),
                );
                let inner = Node {
                    display: node.display.clone(),
                    name: compress::inner_name(&node.name),
                    modified: node.modified,
                    depth: node.depth,
                    layers: node.layers + 1,
                    size_hint: None,
                };
                self.scan_stream(Box::new(limited), &inner, sink)
            }
            Format::Zip | Format::Tar if node.depth >= self.opts.max_archive_depth => self
                .depth_notice(
                    node,
                    &format!(
                        "archive nested deeper than {} (--max-archive-depth)",
                        self.opts.max_archive_depth
                    ),
                    sink,
                ),
            Format::Tar => archive::scan_tar(head, node, self, sink),
            _ if unread::is_ole(head.head()) => {
                let mut bytes = Vec::new();
                match (&mut head)
                    .take(archive::ZIP_IN_MEMORY_LIMIT + 1)
                    .read_to_end(&mut bytes)
                {
                    Ok(n) if n as u64 > archive::ZIP_IN_MEMORY_LIMIT => {
                        sink.notice(Notice {
                            path: node.display.clone(),
                            line: None,
                            reason: Some(SkipReason::SizeLimit),
                            message: format!(
                                "OLE file (.xls) inside a stream is larger than {}; it is not opened",
                                compress::human_size(archive::ZIP_IN_MEMORY_LIMIT)
                            ),
                        });
                        Flow::Done
                    }
                    Ok(_) => match office::scan_ole(io::Cursor::new(&bytes), node, sink) {
                        Some(flow) => flow,
                        None => {
                            // Not a workbook: a `.doc`, `.ppt` or `.msg`, said
                            // and not read (see `scan_document`).
                            let mut again = Peeked::new(io::Cursor::new(bytes));
                            match again.fill(decode::SNIFF_LEN) {
                                Ok(()) => self.scan_document(again, node, sink),
                                Err(e) => self.report(e, &node.display, sink),
                            }
                        }
                    },
                    Err(e) => self.report(e, &node.display, sink),
                }
            }
            _ if office::is_rtf(head.head()) => office::scan_rtf(head, node, self, sink),
            Format::Zip => {
                let mut bytes = Vec::new();
                match (&mut head)
                    .take(archive::ZIP_IN_MEMORY_LIMIT + 1)
                    .read_to_end(&mut bytes)
                {
                    Ok(n) if n as u64 > archive::ZIP_IN_MEMORY_LIMIT => {
                        sink.notice(archive::zip_too_large_notice(node));
                        Flow::Done
                    }
                    Ok(_) => archive::scan_zip(io::Cursor::new(bytes), node, self, sink),
                    Err(e) => self.report(e, &node.display, sink),
                }
            }
            _ => self.scan_document(head, node, sink),
        }
    }

    /// Formats recognised by content that are not plain text (issue 12):
    /// mail, PDF, and those said and not read (images, OLE documents).
    /// Anything else is text.
    fn scan_document<R: Read>(
        &self,
        head: Peeked<R>,
        node: &Node,
        sink: &mut dyn SourceSink,
    ) -> Flow {
        let bytes = head.head();
        if let Some(kind) = unread::image_kind(bytes) {
            sink.notice(unread::image_notice(&node.display, kind));
            return Flow::Done;
        }
        if unread::is_ole(bytes) {
            return self.scan_ole(head, node, sink);
        }
        if pdf::looks_like(bytes) {
            return pdf::scan(head, node, self, sink);
        }
        match mail::sniff(bytes) {
            Some(mail::MailKind::Message) => mail::scan_message_stream(head, node, self, sink),
            Some(mail::MailKind::Mbox) => mail::scan_mbox(head, node, self, sink),
            None => self.scan_text(head, node, sink),
        }
    }

    /// An OLE compound file: a spreadsheet goes on to be read; `.doc`,
    /// `.ppt`, `.msg` and other kinds are said and not read.
    fn scan_ole<R: Read>(&self, head: Peeked<R>, node: &Node, sink: &mut dyn SourceSink) -> Flow {
        let bytes = match read_bounded(head, archive::ZIP_IN_MEMORY_LIMIT) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                sink.notice(unread::notice(
                    &node.display,
                    "OLE compound file (.doc/.xls/.ppt/.msg) too large to tell apart",
                ));
                return Flow::Done;
            }
            Err(e) => return self.report(e, &node.display, sink),
        };
        match unread::OleKind::of(io::Cursor::new(&bytes)) {
            // The spreadsheet reader (issue 12, `.xls`) plugs in here.
            Ok(unread::OleKind::Spreadsheet) => {
                let mut again = Peeked::new(io::Cursor::new(bytes));
                if let Err(e) = again.fill(decode::SNIFF_LEN) {
                    return self.report(e, &node.display, sink);
                }
                self.scan_text(again, node, sink)
            }
            Ok(kind) => {
                sink.notice(unread::ole_notice(&node.display, kind));
                Flow::Done
            }
            Err(e) => {
                sink.error(ScanError {
                    path: node.display.clone(),
                    message: format!("not a readable OLE compound file: {e}"),
                });
                Flow::Done
            }
        }
    }

    /// A SQLite database inside an archive or a compressed stream: SQLite
    /// reads files, so the member is copied (within the decompression
    /// budget, which the reader enforces) to a private temporary file that
    /// is deleted when read.
    fn scan_sqlite_member<R: Read>(
        &self,
        mut head: Peeked<R>,
        node: &Node,
        sink: &mut dyn SourceSink,
    ) -> Flow {
        let copied = tempfile::NamedTempFile::new().and_then(|mut tmp| {
            io::copy(&mut head, tmp.as_file_mut())?;
            Ok(tmp)
        });
        match copied {
            Ok(tmp) => {
                db::sqlite::read_file(
                    tmp.path(),
                    &node.display,
                    node.modified,
                    &self.opts.db,
                    sink,
                );
                Flow::Done
            }
            Err(e) => self.report(e, &node.display, sink),
        }
    }

    fn scan_text<R: Read>(
        &self,
        mut head: Peeked<R>,
        node: &Node,
        sink: &mut dyn SourceSink,
    ) -> Flow {
        let how = decode::sniff(head.head(), self.forced);
        if how == Sniffed::Binary {
            sink.skipped(&node.display, SkipReason::Binary);
            return Flow::Done;
        }
        if numeric::recognise(head.head(), &node.name).is_some() {
            sink.skipped(&node.display, SkipReason::NumericFormat);
            return Flow::Done;
        }
        // A small file is read whole into the head, which then becomes the
        // decoded text as it is (see `TextDecoder::whole`): no copy from a
        // read buffer into the text (and, under 8 KiB, one `read` fewer). Only text gets
        // here, so a binary file is still read no further than its sniff.
        if let Some(size) = node.size_hint.filter(|&n| n < WHOLE_FILE_LIMIT) {
            if let Err(e) = head.fill(size as usize + 1) {
                return self.report(e, &node.display, sink);
            }
        }
        sink.begin(&node.meta());
        let mut decoder = match head.take_whole() {
            Some(whole) => TextDecoder::whole(head, whole, how),
            None => TextDecoder::new(head, how, node.size_hint),
        };
        let kind = if self.opts.structured {
            structured::sniff(&node.name, &mut decoder)
        } else {
            None
        };
        let result = match kind {
            Some(kind) => structured::scan(kind, &mut decoder, sink),
            None => text::scan_chunks(|window| decoder.decode_into(window), 1, sink),
        };
        let flow = match result {
            Ok(()) => Flow::Done,
            Err(e) => self.report(e, &node.display, sink),
        };
        sink.end();
        flow
    }
}

/// Reads all of `reader` into memory, or `None` if it holds more than
/// `limit` bytes (for formats parsed whole: PDF, mail, OLE).
pub(crate) fn read_bounded<R: Read>(reader: R, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// A reader whose first bytes can be looked at before anything consumes
/// them; after the head is served, reads go straight to the inner reader.
pub(crate) struct Peeked<R> {
    inner: R,
    /// A kept text buffer's allocation (see [`spare`]): for a small text
    /// file it holds the whole file and becomes the decoded text itself.
    head: Vec<u8>,
    pos: usize,
    /// A fill stopped short: the head holds the rest of the input.
    at_end: bool,
}

impl<R: Read> Peeked<R> {
    fn new(inner: R) -> Self {
        Peeked {
            inner,
            head: spare::string().into_bytes(),
            pos: 0,
            at_end: false,
        }
    }

    /// Reads until `n` bytes are buffered or the input ends. Bytes read
    /// before an error stay buffered.
    fn fill(&mut self, n: usize) -> io::Result<()> {
        let Some(want) = n.checked_sub(self.head.len()).filter(|&w| w > 0) else {
            return Ok(());
        };
        if self.at_end {
            return Ok(());
        }
        self.head.reserve_exact(want);
        // Into the head's spare capacity, not through a zeroed stack buffer
        // (a file's reads skip the zeroing; that and the extra copy showed
        // in profiles of trees of small files). `read_to_end` asks for 8 KiB
        // and doubles, so a file of 8–256 KiB read whole takes a read or
        // two more than a buffer of its size would; zeroing such a buffer
        // first cost more (registry tree: 3,955 M → 4,149 M instructions).
        let read = (&mut self.inner)
            .take(want as u64)
            .read_to_end(&mut self.head)?;
        self.at_end = read < want;
        Ok(())
    }

    fn head(&self) -> &[u8] {
        &self.head[self.pos..]
    }

    /// All of the input, when a fill reached its end and nothing was read
    /// from the head yet.
    fn take_whole(&mut self) -> Option<Vec<u8>> {
        (self.at_end && self.pos == 0).then(|| std::mem::take(&mut self.head))
    }

    fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for Peeked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.head.len() {
            let n = (self.head.len() - self.pos).min(buf.len());
            buf[..n].copy_from_slice(&self.head[self.pos..self.pos + n]);
            self.pos += n;
            if self.pos == self.head.len() {
                spare::give_allocation(std::mem::take(&mut self.head));
                self.pos = 0;
            }
            return Ok(n);
        }
        self.inner.read(buf)
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
