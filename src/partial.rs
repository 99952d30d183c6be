//! Partial reports (`--format partial`) and their exact merge (`tizim merge`).
//!
//! A sharded, per-host or per-partition scan writes a partial report: what
//! a merge needs to give the very inventory one process scanning everything
//! would have given. It is NDJSON, one record a line, externally tagged:
//!
//! ```text
//! {"partial":{"format":"tizim-partial","version":1,"tool":…,"key_id":…,"shard":"2/8","location_prefix":null}}
//! {"finding":{…}}            one a finding, in (path, line, column) order
//! {"row":{…,"values":"…"}}   one an inventory row: counters, distinct fingerprints
//! {"subjects":{"iins":"…"}}  IIN holders: fingerprint and traits
//! {"summary":{…}}            errors, notices, stats, test values
//! {"end":{"findings":N,"rows":M}}
//! ```
//!
//! Fingerprints travel as binary, base64 in one string: 16 bytes each for a
//! row's values, 17 for an IIN holder (the fingerprint and one byte of
//! traits). A part ends with `end`, whose counts must match what came
//! before it: a truncated part is an error, never a quietly smaller
//! inventory. Parts made with different fingerprint keys (their `key_id`s
//! differ) or by an incompatible format version do not merge.
//!
//! Statuses are not in a part: the merge judges them, against the policy
//! it is given, on the day it runs.

use crate::detect::{FingerprintKey, KeyScope};
use crate::inventory::{InventoryBuilder, InventoryPart, RowPart};
use crate::model::{
    Category, Confidence, Evidence, Finding, Notice, ScanError, Sex, Stats, SubjectTraits,
};
use crate::scan::ScanSummary;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, Write};

/// The `format` every part names.
pub const FORMAT_NAME: &str = "tizim-partial";
/// Bumped when a record changes meaning; a merge refuses other versions.
pub const FORMAT_VERSION: u32 = 1;

/// The first record of a part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub tool: Tool,
    /// Id of the fingerprint key (never the key): parts merge only when equal.
    pub key_id: String,
    /// Where that key came from (`installation`, `shared`, `ephemeral`);
    /// the merged report says the same.
    pub key_scope: KeyScope,
    /// `I/N` when the scan was one shard of N.
    #[serde(default)]
    pub shard: Option<String>,
    #[serde(default)]
    pub location_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Header {
    pub fn new(
        key: &FingerprintKey,
        shard: Option<String>,
        location_prefix: Option<String>,
    ) -> Self {
        Header {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            key_id: key.id(),
            key_scope: key.scope(),
            shard,
            location_prefix,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Record {
    Partial(Header),
    Finding(Finding),
    Row(RowRecord),
    Subjects(SubjectsRecord),
    Summary(SummaryRecord),
    End(EndRecord),
}

#[derive(Debug, Serialize, Deserialize)]
struct RowRecord {
    path: String,
    field: Option<String>,
    category: Category,
    count: u64,
    first_line: u64,
    last_line: u64,
    confidence: Confidence,
    evidence: Vec<Evidence>,
    /// Unix seconds.
    oldest_modified: Option<i64>,
    examples: Vec<String>,
    /// Distinct fingerprints, 16 bytes each, base64.
    values: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct SubjectsRecord {
    /// 17 bytes per IIN holder: fingerprint, then traits (bit 0: known,
    /// bit 1: minor, bits 2–3: sex, 0 unknown, 1 female, 2 male), base64.
    iins: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct SummaryRecord {
    errors: Vec<ScanError>,
    notices: Vec<Notice>,
    stats: Stats,
    test_values: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct EndRecord {
    findings: u64,
    rows: u64,
}

fn line(w: &mut dyn Write, record: &Record) -> io::Result<()> {
    serde_json::to_writer(&mut *w, record)?;
    w.write_all(b"\n")
}

/// Writes a partial report. `findings` must be in report order (path,
/// line, column), the order every other format uses, and `inventory` the
/// builder that saw them in that order.
pub fn write(
    header: Header,
    findings: &[Finding],
    inventory: &InventoryBuilder<'_>,
    summary: &ScanSummary,
    w: &mut dyn Write,
) -> io::Result<()> {
    let key_id = header.key_id.clone();
    line(w, &Record::Partial(header))?;
    let mut buf = Vec::with_capacity(512);
    for finding in findings {
        // The NDJSON writer (byte for byte serde's) inside the tag.
        buf.clear();
        buf.extend_from_slice(b"{\"finding\":");
        crate::report::ndjson::write_line(finding, &key_id, &mut buf);
        buf.pop();
        buf.extend_from_slice(b"}\n");
        w.write_all(&buf)?;
    }
    let part = inventory.export();
    let rows = part.rows.len() as u64;
    for row in part.rows {
        let mut values = Vec::with_capacity(row.values.len() * 16);
        for v in &row.values {
            values.extend_from_slice(&v.to_be_bytes());
        }
        line(
            w,
            &Record::Row(RowRecord {
                path: row.path,
                field: row.field,
                category: row.category,
                count: row.count,
                first_line: row.first_line,
                last_line: row.last_line,
                confidence: row.confidence,
                evidence: row.evidence,
                oldest_modified: row.oldest_modified,
                examples: row.examples,
                values: BASE64.encode(values),
            }),
        )?;
    }
    let mut iins = Vec::with_capacity(part.subjects.len() * 17);
    for (fingerprint, traits) in &part.subjects {
        iins.extend_from_slice(&fingerprint.to_be_bytes());
        iins.push(traits_byte(*traits));
    }
    line(
        w,
        &Record::Subjects(SubjectsRecord {
            iins: BASE64.encode(iins),
        }),
    )?;
    line(
        w,
        &Record::Summary(SummaryRecord {
            errors: summary.errors.clone(),
            notices: summary.notices.clone(),
            stats: summary.stats.clone(),
            test_values: part.test_values,
        }),
    )?;
    line(
        w,
        &Record::End(EndRecord {
            findings: findings.len() as u64,
            rows,
        }),
    )
}

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn traits_byte(traits: Option<SubjectTraits>) -> u8 {
    match traits {
        None => 0,
        Some(t) => {
            let sex = match t.sex {
                None => 0,
                Some(Sex::Female) => 1,
                Some(Sex::Male) => 2,
            };
            1 | (u8::from(t.minor) << 1) | (sex << 2)
        }
    }
}

fn traits_from_byte(b: u8) -> Result<Option<SubjectTraits>, String> {
    if b & 1 == 0 {
        return if b == 0 {
            Ok(None)
        } else {
            Err(format!("bad subject traits byte {b}"))
        };
    }
    let sex = match (b >> 2) & 3 {
        0 => None,
        1 => Some(Sex::Female),
        2 => Some(Sex::Male),
        _ => return Err(format!("bad subject traits byte {b}")),
    };
    Ok(Some(SubjectTraits {
        minor: b & 2 != 0,
        sex,
    }))
}

fn fingerprints(base64: &str, width: usize) -> Result<Vec<u8>, String> {
    let bytes = BASE64
        .decode(base64)
        .map_err(|e| format!("fingerprints are not base64: {e}"))?;
    if bytes.len() % width != 0 {
        return Err(format!(
            "fingerprint list of {} bytes is not a whole number of {width}-byte entries",
            bytes.len()
        ));
    }
    Ok(bytes)
}

fn u128_at(chunk: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    b.copy_from_slice(&chunk[..16]);
    u128::from_be_bytes(b)
}

/// Everything in a part but its findings, checked whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartContents {
    pub inventory: InventoryPart,
    pub summary: ScanSummary,
    pub findings: u64,
}

/// Reads one part, checking its header against `expected` (the first
/// part's, for the ones after it) and its end record against what came
/// before. Findings are counted and checked for order but not kept: the
/// merge reads them again, in step with the other parts, when it writes
/// them. Errors name the line.
pub fn read_part(
    reader: &mut dyn BufRead,
    expected: Option<&Header>,
) -> Result<(Header, PartContents), String> {
    let mut header: Option<Header> = None;
    let mut contents = PartContents::default();
    let mut previous: Option<(String, u64, u64)> = None;
    let mut summary_seen = false;
    let mut end: Option<EndRecord> = None;
    let mut text = String::new();
    let mut number = 0u64;
    loop {
        text.clear();
        let n = reader
            .read_line(&mut text)
            .map_err(|e| format!("line {}: {e}", number + 1))?;
        if n == 0 {
            break;
        }
        number += 1;
        let at = |message: String| format!("line {number}: {message}");
        if end.is_some() {
            return Err(at("data after the end record".to_string()));
        }
        if text.trim().is_empty() {
            continue;
        }
        if header.is_none() {
            header = Some(read_header(&text, expected).map_err(at)?);
            continue;
        }
        let record: Record =
            serde_json::from_str(&text).map_err(|e| at(format!("not a partial record: {e}")))?;
        match record {
            Record::Partial(_) => return Err(at("a second header".to_string())),
            Record::Finding(f) => {
                let key = (f.path.to_string(), f.line, f.column);
                if previous.as_ref().is_some_and(|p| *p > key) {
                    return Err(at("findings out of (path, line, column) order".to_string()));
                }
                previous = Some(key);
                contents.findings += 1;
            }
            Record::Row(row) => {
                let bytes = fingerprints(&row.values, 16).map_err(at)?;
                contents.inventory.rows.push(RowPart {
                    path: row.path,
                    field: row.field,
                    category: row.category,
                    count: row.count,
                    values: bytes.chunks_exact(16).map(u128_at).collect(),
                    first_line: row.first_line,
                    last_line: row.last_line,
                    confidence: row.confidence,
                    evidence: row.evidence,
                    oldest_modified: row.oldest_modified,
                    examples: row.examples,
                });
            }
            Record::Subjects(s) => {
                let bytes = fingerprints(&s.iins, 17).map_err(at)?;
                for chunk in bytes.chunks_exact(17) {
                    let traits = traits_from_byte(chunk[16]).map_err(at)?;
                    contents.inventory.subjects.push((u128_at(chunk), traits));
                }
            }
            Record::Summary(s) => {
                if summary_seen {
                    return Err(at("a second summary".to_string()));
                }
                summary_seen = true;
                contents.summary = ScanSummary {
                    errors: s.errors,
                    notices: s.notices,
                    stats: s.stats,
                };
                contents.inventory.test_values = s.test_values;
            }
            Record::End(e) => end = Some(e),
        }
    }
    let header = header.ok_or("empty: not a partial report")?;
    let end = end.ok_or("truncated: no end record (was the scan interrupted?)")?;
    if !summary_seen {
        return Err("no summary record".to_string());
    }
    if end.findings != contents.findings || end.rows != contents.inventory.rows.len() as u64 {
        return Err(format!(
            "truncated or altered: the end record counts {} findings and {} rows, the part holds {} and {}",
            end.findings,
            end.rows,
            contents.findings,
            contents.inventory.rows.len()
        ));
    }
    Ok((header, contents))
}

fn read_header(text: &str, expected: Option<&Header>) -> Result<Header, String> {
    let record: Record = serde_json::from_str(text)
        .map_err(|_| "not a partial report (make one with `tizim scan --format partial`)")?;
    let Record::Partial(header) = record else {
        return Err("not a partial report: the first record is not its header".to_string());
    };
    if header.format != FORMAT_NAME {
        return Err(format!("unknown format {:?}", header.format));
    }
    if header.version != FORMAT_VERSION {
        return Err(format!(
            "partial format version {} (made by tizim {}); this tizim {} reads version {FORMAT_VERSION}: merge with the version that made the parts",
            header.version,
            header.tool.version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    if let Some(first) = expected {
        if header.key_id != first.key_id {
            return Err(format!(
                "made with another fingerprint key (key id {} where the first part has {}): fingerprints of different keys cannot be counted together; scan every part with the same --fingerprint-key-file",
                header.key_id, first.key_id
            ));
        }
    }
    Ok(header)
}

/// The findings of one part, read again in order, for the k-way merge.
pub struct PartFindings<R> {
    reader: R,
    text: String,
    number: u64,
}

impl<R: BufRead> PartFindings<R> {
    pub fn new(reader: R) -> Self {
        PartFindings {
            reader,
            text: String::new(),
            number: 0,
        }
    }
}

impl<R: BufRead> Iterator for PartFindings<R> {
    type Item = Result<Finding, String>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.text.clear();
            match self.reader.read_line(&mut self.text) {
                Ok(0) => return None,
                Ok(_) => self.number += 1,
                Err(e) => return Some(Err(format!("line {}: {e}", self.number + 1))),
            }
            // Findings come right after the header; anything else ends them.
            if !self.text.starts_with("{\"finding\":") {
                if self.number == 1 || self.text.trim().is_empty() {
                    continue;
                }
                return None;
            }
            return Some(match serde_json::from_str::<Record>(&self.text) {
                Ok(Record::Finding(f)) => Ok(f),
                Ok(_) => Err(format!("line {}: not a finding", self.number)),
                Err(e) => Err(format!("line {}: {e}", self.number)),
            });
        }
    }
}

/// Merges sorted finding streams into one in (path, line, column) order.
/// Ties (the same position in the same file) can only come from one part,
/// since a file belongs to one shard, and keep that part's order.
pub struct MergedFindings<I> {
    streams: Vec<I>,
    /// The next finding of each stream; `None` once it has ended.
    heads: Vec<Option<Finding>>,
    started: bool,
    /// A read error met while refilling a head, returned on the next call.
    failed: Option<String>,
}

impl<I: Iterator<Item = Result<Finding, String>>> MergedFindings<I> {
    pub fn new(streams: Vec<I>) -> Self {
        MergedFindings {
            heads: Vec::with_capacity(streams.len()),
            streams,
            started: false,
            failed: None,
        }
    }
}

impl<I: Iterator<Item = Result<Finding, String>>> Iterator for MergedFindings<I> {
    type Item = Result<Finding, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.failed.take() {
            return Some(Err(e));
        }
        if !self.started {
            self.started = true;
            for stream in &mut self.streams {
                match stream.next().transpose() {
                    Ok(head) => self.heads.push(head),
                    Err(e) => return Some(Err(e)),
                }
            }
        }
        // A linear pass over the heads: parts are few next to findings, and
        // it keeps ties in part order without a heap's sequence numbers.
        let mut best: Option<usize> = None;
        for (i, head) in self.heads.iter().enumerate() {
            let Some(candidate) = head else { continue };
            let better = match best.and_then(|b| self.heads[b].as_ref()) {
                Some(current) => report_order(candidate) < report_order(current),
                None => true,
            };
            if better {
                best = Some(i);
            }
        }
        let best = best?;
        let next = self.streams[best].next().transpose();
        let finding = match next {
            Ok(head) => std::mem::replace(&mut self.heads[best], head),
            Err(e) => {
                self.failed = Some(e);
                self.heads[best].take()
            }
        };
        finding.map(Ok)
    }
}

/// The order every report lists findings in.
fn report_order(f: &Finding) -> (&str, u64, u64) {
    (&f.path, f.line, f.column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traits_round_trip_through_their_byte() {
        for traits in [
            None,
            Some(SubjectTraits {
                minor: true,
                sex: Some(Sex::Female),
            }),
            Some(SubjectTraits {
                minor: false,
                sex: Some(Sex::Male),
            }),
            Some(SubjectTraits {
                minor: false,
                sex: None,
            }),
        ] {
            assert_eq!(traits_from_byte(traits_byte(traits)), Ok(traits));
        }
        assert!(traits_from_byte(2).is_err());
        assert!(traits_from_byte(0b1101).is_err());
    }

    #[test]
    fn a_part_without_its_end_is_refused() {
        let header = Header::new(&FingerprintKey::ephemeral().unwrap(), None, None);
        let mut out = Vec::new();
        let builder = InventoryBuilder::new(None, chrono::NaiveDate::MIN);
        write(header, &[], &builder, &ScanSummary::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(read_part(&mut text.as_bytes(), None).is_ok());
        let cut = &text[..text.rfind("{\"end\"").unwrap()];
        let err = read_part(&mut cut.as_bytes(), None).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
    }
}
