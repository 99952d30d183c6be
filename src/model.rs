//! Plain data passed between the pipeline stages.
//!
//! walk → source → detect → inventory → report: every stage speaks in these
//! types, so each can be built and tested alone.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Kinds of personal data. The ids (`snake_case`) are used everywhere: detector
/// files, policy files, reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Iin,
    Bin,
    Phone,
    Email,
    Card,
    Iban,
    PersonName,
    BirthDate,
    IpAddress,
    IdDocument,
    Address,
    OnlineIdentifier,
    Location,
    Biometric,
}

impl Category {
    pub const ALL: [Category; 14] = [
        Category::Iin,
        Category::Bin,
        Category::Phone,
        Category::Email,
        Category::Card,
        Category::Iban,
        Category::PersonName,
        Category::BirthDate,
        Category::IpAddress,
        Category::IdDocument,
        Category::Address,
        Category::OnlineIdentifier,
        Category::Location,
        Category::Biometric,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Category::Iin => "iin",
            Category::Bin => "bin",
            Category::Phone => "phone",
            Category::Email => "email",
            Category::Card => "card",
            Category::Iban => "iban",
            Category::PersonName => "person_name",
            Category::BirthDate => "birth_date",
            Category::IpAddress => "ip_address",
            Category::IdDocument => "id_document",
            Category::Address => "address",
            Category::OnlineIdentifier => "online_identifier",
            Category::Location => "location",
            Category::Biometric => "biometric",
        }
    }

    pub fn from_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == id)
    }

    /// One-line human description, used by `--help`, reports and the README.
    pub fn describe(self) -> &'static str {
        match self {
            Category::Iin => "Individual identification number (ИИН / ЖСН), 12 digits with checksum and birth date",
            Category::Bin => "Business identification number (БИН / БСН), 12 digits with checksum",
            Category::Phone => "Phone number (Kazakh numbering plan, or international with +)",
            Category::Email => "E-mail address",
            Category::Card => "Payment card number (PAN), Luhn and scheme ranges",
            Category::Iban => "Kazakh IBAN (ИИК), 20 characters, mod 97",
            Category::PersonName => "Person's name (ФИО / аты-жөні / full name)",
            Category::BirthDate => "Date of birth (also derived from IINs)",
            Category::IpAddress => "IP address",
            Category::IdDocument => "Identity document number (passport, удостоверение личности)",
            Category::Address => "Postal or residential address",
            Category::OnlineIdentifier => "Online identifier: cookie, device id, login",
            Category::Location => "Geolocation",
            Category::Biometric => "Biometric data (photo, fingerprint, voice)",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn id(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What a finding rests on. Written as its [`Evidence::id`]: `value`,
/// `column_name`, `derived`, or `decoded:<layer>` (`decoded:jwt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Evidence {
    /// A value that passed the detector's validator.
    Value,
    /// Only a column / header / key name that names PII; the values never
    /// validated (hashed, encrypted, masked or tokenised).
    ColumnName,
    /// Implied by other data (a birth date from an IIN).
    Derived,
    /// A value that validated after decoding the run it was written in (a
    /// JWT, base64, hex, HTML entities, JSON escapes, quoted-printable);
    /// the finding's position is that of the encoded run. The layer named
    /// is the outermost one, the one found at that position.
    Decoded(Layer),
}

impl Evidence {
    pub fn id(self) -> &'static str {
        match self {
            Evidence::Value => "value",
            Evidence::ColumnName => "column_name",
            Evidence::Derived => "derived",
            Evidence::Decoded(layer) => layer.evidence_id(),
        }
    }

    /// A value was found (plainly written or decoded), not only a name.
    pub fn is_value(self) -> bool {
        matches!(self, Evidence::Value | Evidence::Decoded(_))
    }
}

impl From<Evidence> for &'static str {
    fn from(e: Evidence) -> &'static str {
        e.id()
    }
}

impl TryFrom<String> for Evidence {
    type Error = String;
    fn try_from(s: String) -> Result<Evidence, String> {
        let found = [Evidence::Value, Evidence::ColumnName, Evidence::Derived]
            .into_iter()
            .chain(Layer::ALL.into_iter().map(Evidence::Decoded))
            .find(|e| e.id() == s);
        found.ok_or_else(|| format!("unknown evidence {s:?}"))
    }
}

/// An encoding a value can be written in, undone by the decoding layers
/// (`--max-decode-depth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// A JSON Web Token's header and payload (base64url JSON).
    Jwt,
    Base64,
    Base64Url,
    /// Hex-encoded UTF-8 text.
    Hex,
    /// HTML character references, named, decimal and hex (`&#43;`, `&nbsp;`).
    Html,
    /// JSON `\uXXXX` escapes.
    JsonEscape,
    /// Quoted-printable (`=D0=98`), soft line breaks included.
    QuotedPrintable,
}

impl Layer {
    pub const ALL: [Layer; 7] = [
        Layer::Jwt,
        Layer::Base64,
        Layer::Base64Url,
        Layer::Hex,
        Layer::Html,
        Layer::JsonEscape,
        Layer::QuotedPrintable,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Layer::Jwt => "jwt",
            Layer::Base64 => "base64",
            Layer::Base64Url => "base64url",
            Layer::Hex => "hex",
            Layer::Html => "html",
            Layer::JsonEscape => "json_escape",
            Layer::QuotedPrintable => "quoted_printable",
        }
    }

    fn evidence_id(self) -> &'static str {
        match self {
            Layer::Jwt => "decoded:jwt",
            Layer::Base64 => "decoded:base64",
            Layer::Base64Url => "decoded:base64url",
            Layer::Hex => "decoded:hex",
            Layer::Html => "decoded:html",
            Layer::JsonEscape => "decoded:json_escape",
            Layer::QuotedPrintable => "decoded:quoted_printable",
        }
    }
}

/// What a decoding layer adds to a [`Match`] found inside an encoded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub layer: Layer,
    /// Where in the decoded data the value lies, relative to the field of
    /// the text the run was in: a JSON key path inside a token
    /// (`authorization.jwt.iin`, or `jwt.iin` under a named field).
    pub path: Option<String>,
    /// The decoded value as written there, for `--show-values` only.
    pub raw: String,
}

/// Why a value finding's confidence was lowered to `low` below what its
/// detector gives it: the value validated, but where it stands makes it
/// more likely a coincidence than a real value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lowered {
    /// Among the candidates of its detector in the same stretch of text (a
    /// file's segment, a batch of rows), no more validated than a table of
    /// numbers of the same digits would by chance (see `detect::calibrate`).
    ChanceRate,
    /// A bare card-length or 12-digit literal, without context, in a file of
    /// a programming language (a test table, a constant).
    CodeLiteral,
}

impl Lowered {
    pub fn id(self) -> &'static str {
        match self {
            Lowered::ChanceRate => "chance_rate",
            Lowered::CodeLiteral => "code_literal",
        }
    }
}

/// A stretch of decoded text handed from a source to the detectors.
///
/// `text` may carry context before and after the part this segment is
/// responsible for: matches are reported only when they *start* inside
/// `report`, so values straddling chunk boundaries are found exactly once,
/// while the surrounding bytes still serve for boundary checks and context
/// keywords.
#[derive(Debug, Clone)]
pub struct Segment<'a> {
    pub text: &'a str,
    /// Byte range of `text` this segment reports matches for.
    pub report: Range<usize>,
    /// 1-based line number of the first byte of `text` in the decoded file.
    pub first_line: u64,
    /// 1-based column, in characters, of the first byte of `text` on its
    /// line: above 1 only when a line longer than a chunk was cut. Columns
    /// of matches before the first line break of `text` are shifted by it
    /// (done once in `scan::FileScanner`, so detectors count from `text[0]`).
    pub first_column: u64,
    /// `table.column`, CSV header, `#3`, or JSON key path; `None` for plain text.
    pub field: Option<&'a str>,
}

impl<'a> Segment<'a> {
    /// A segment that reports everything in `text`.
    pub fn whole(text: &'a str, first_line: u64, field: Option<&'a str>) -> Self {
        Segment {
            text,
            report: 0..text.len(),
            first_line,
            first_column: 1,
            field,
        }
    }
}

/// One detector hit inside a segment, before it is tied to a file. The raw
/// value is kept only as long as it takes to mask and fingerprint it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Byte offset in `Segment::text`.
    pub start: usize,
    pub end: usize,
    /// 1-based line in the decoded file.
    pub line: u64,
    /// 1-based column, in characters, on that line.
    pub column: u64,
    pub category: Category,
    pub detector: &'static str,
    pub confidence: Confidence,
    /// Canonical form used for fingerprinting (digits only for numbers,
    /// lower-cased address for e-mail, E.164 for phones).
    pub normalized: String,
    /// A well-known sandbox/test value (e.g. 4111 1111 1111 1111).
    pub test: bool,
    /// Set when the confidence was lowered, and why.
    pub lowered: Option<Lowered>,
    /// Set when the value was found by decoding the run at `start..end`.
    pub decoded: Option<Box<Decoded>>,
}

/// A finding as it leaves the scanner. Never holds a raw value unless
/// `--show-values` asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Path as reached from the scan argument; archive members are written
    /// `outer!inner`. Shared by all findings of a file: a dump holds
    /// millions, and a copy each was a tenth of the scan's time.
    pub path: Arc<str>,
    pub line: u64,
    pub column: u64,
    pub category: Category,
    /// Built-in detectors' ids are static; ones read from files are owned.
    pub detector: Cow<'static, str>,
    pub confidence: Confidence,
    /// Shared by the findings of one column, like `path`.
    pub field: Option<Arc<str>>,
    pub masked: String,
    pub fingerprint: String,
    pub evidence: Evidence,
    /// Why `confidence` is `low` although the value validated: present
    /// only then, so older readers of the output see nothing new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowered: Option<Lowered>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
    /// Set when an allow rule, inline `tizim:allow` or a baseline covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// Last modification time of the file or archive member, as Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<i64>,
    /// Git history scanning: the commit that added the value, and its date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_date: Option<String>,
    /// The raw value: only with `--show-values`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For IINs: whether the holder is a minor and their sex, decoded at scan
    /// time for the inventory's subject counts. Deliberately coarse (no birth
    /// date, which is personal data itself) and never serialised.
    #[serde(skip)]
    pub subject: Option<SubjectTraits>,
}

#[cfg(test)]
impl Finding {
    /// A high-confidence e-mail value at line 1, column 1 of `path`, for
    /// unit tests to adjust with struct update syntax.
    pub(crate) fn example(path: &str) -> Finding {
        Finding {
            path: path.into(),
            line: 1,
            column: 1,
            category: Category::Email,
            detector: "email".into(),
            confidence: Confidence::High,
            field: None,
            masked: String::new(),
            fingerprint: "00".into(),
            evidence: Evidence::Value,
            lowered: None,
            test: false,
            suppressed: None,
            modified: None,
            commit: None,
            author_date: None,
            value: None,
            subject: None,
        }
    }
}

/// Sex as an IIN encodes it (seventh digit: odd male, even female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// What an IIN says about its holder, reduced to what aggregate counts need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubjectTraits {
    /// Under 18 on the day of the scan.
    pub minor: bool,
    pub sex: Option<Sex>,
}

/// Why a file, or part of one, was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    Binary,
    TooLarge,
    Special,
    SymlinkLoop,
    DepthLimit,
    SizeLimit,
    RatioLimit,
    Ignored,
    /// A git blob absent from a partial clone: not fetched, not scanned.
    Missing,
    /// A format tizim recognises but does not read (`.doc`, `.ppt`, `.msg`,
    /// images): said, not hidden; `--strict` fails on it.
    UnreadFormat,
    /// Encrypted content that cannot be opened without a password.
    Encrypted,
    /// A PDF without a text layer (scanned pages): it needs OCR.
    ImageOnly,
    /// A format made of numbers rather than text (PostScript, PDF content
    /// streams, font metrics): its digit runs are coordinates and widths.
    NumericFormat,
}

impl SkipReason {
    pub fn id(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too_large",
            SkipReason::Special => "special",
            SkipReason::SymlinkLoop => "symlink_loop",
            SkipReason::DepthLimit => "depth_limit",
            SkipReason::SizeLimit => "size_limit",
            SkipReason::RatioLimit => "ratio_limit",
            SkipReason::Ignored => "ignored",
            SkipReason::Missing => "missing",
            SkipReason::UnreadFormat => "unread_format",
            SkipReason::Encrypted => "encrypted",
            SkipReason::ImageOnly => "image_only",
            SkipReason::NumericFormat => "numeric_format",
        }
    }

    /// Content tizim could not read for what it is (not a limit it was told
    /// to keep): `--strict` counts these like unreadable files.
    pub const UNREAD: [SkipReason; 3] = [
        SkipReason::UnreadFormat,
        SkipReason::Encrypted,
        SkipReason::ImageOnly,
    ];
}

impl Stats {
    /// Files and members skipped for a reason in [`SkipReason::UNREAD`].
    pub fn unread(&self) -> u64 {
        SkipReason::UNREAD
            .iter()
            .filter_map(|r| self.skipped.get(r.id()))
            .sum()
    }
}

/// A per-file problem: reported, counted, and the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    pub path: String,
    pub message: String,
}

/// A non-fatal note about how a file was read (a skipped member, a parser
/// that fell back to plain text at some line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<SkipReason>,
    pub message: String,
}

/// Metadata of the file or archive member a source is reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMeta {
    /// Display path (`outer!inner` for archive members).
    pub path: String,
    /// Last modification, Unix seconds, when known.
    pub modified: Option<i64>,
}

/// Counters for the end-of-scan summary and the `stats` object of JSON output.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Files (and archive members) whose content was scanned.
    pub files_scanned: u64,
    /// Skipped files and members, by reason id.
    pub skipped: std::collections::BTreeMap<String, u64>,
    /// Decoded bytes handed to the detectors.
    pub bytes_scanned: u64,
    pub findings: u64,
    /// Findings suppressed by allow rules, inline `tizim:allow` or a baseline.
    pub suppressed: u64,
    pub errors: u64,
    /// Structured files whose parser gave up and fell back to plain text.
    pub structured_fallbacks: u64,
    /// Database tables read (live databases and SQLite files).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tables_scanned: u64,
    /// Rows read from them (the samples, for sampled tables).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_read: u64,
    /// Rows the tables hold, as counted or estimated by the server.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_estimated: u64,
    pub elapsed_ms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How one database table was read: what the inventory needs to show a
/// sample as a sample, and retention to judge rows by their own age.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRead {
    /// The location's path: the URL without credentials, or the SQLite
    /// file's path.
    pub path: String,
    /// `schema.table`.
    pub table: String,
    pub rows_read: u64,
    /// Rows the table holds (counted, or the server's estimate).
    pub rows_estimated: u64,
    /// Only a sample of the rows was read.
    pub sampled: bool,
    /// The oldest row time read (Unix seconds), from its row-time column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_row: Option<i64>,
    /// Rows read by the day of their row time (days since the Unix epoch,
    /// ascending), to count the rows past a retention period.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_days: Vec<(i64, u64)>,
}

impl Stats {
    pub fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason.id().to_string()).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Stats) {
        self.files_scanned += other.files_scanned;
        for (k, v) in &other.skipped {
            *self.skipped.entry(k.clone()).or_default() += v;
        }
        self.bytes_scanned += other.bytes_scanned;
        self.findings += other.findings;
        self.suppressed += other.suppressed;
        self.errors += other.errors;
        self.structured_fallbacks += other.structured_fallbacks;
        self.tables_scanned += other.tables_scanned;
        self.rows_read += other.rows_read;
        self.rows_estimated += other.rows_estimated;
    }
}
