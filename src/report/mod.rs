//! Report stage: renders findings, the inventory and the summary. Every
//! format shows masks and fingerprints only; raw values appear solely when
//! the findings carry them (`--show-values`).

use crate::detect::{DetectorInfo, FingerprintKey};
use crate::gate::GateConfig;
use crate::inventory::{Inventory, InventoryRow, Status};
use crate::model::Finding;
use crate::policy::Policy;
use crate::scan::ScanSummary;
use chrono::NaiveDate;
use std::io::{self, Write};

mod csv;
mod html;
mod json;
pub mod junit;
mod markdown;
pub mod ndjson;
pub mod sarif;
pub mod table;

pub use self::csv::COLUMNS as CSV_COLUMNS;
pub use self::json::SCHEMA_VERSION as JSON_SCHEMA_VERSION;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable summary and inventory table (default)
    Table,
    /// One finding a line, streamed
    Ndjson,
    /// One document: findings, inventory, purposes, errors, stats
    Json,
    /// The inventory, for spreadsheets
    Csv,
    Markdown,
    /// One self-contained HTML file
    Html,
    /// SARIF 2.1.0, for code scanning
    Sarif,
    /// JUnit XML, for CI test reports
    Junit,
    /// Partial report of a shard, host or partition, for `tizim merge`
    Partial,
}

/// Writes one finding as an NDJSON line; `key_id` is the id of the key it
/// was fingerprinted with.
pub fn write_ndjson(finding: &Finding, key_id: &str, w: &mut dyn Write) -> io::Result<()> {
    let mut line = Vec::with_capacity(320);
    ndjson::write_line(finding, key_id, &mut line);
    w.write_all(&line)
}

/// Everything a report may show.
pub struct Report<'a> {
    /// Sorted by path, line, column. Suppressed ones included (marked).
    pub findings: &'a [Finding],
    pub inventory: &'a Inventory,
    pub policy: Option<&'a Policy>,
    pub summary: &'a ScanSummary,
    pub detectors: &'a [DetectorInfo],
    /// The key the findings were fingerprinted with: reports carry its id,
    /// and whether it is shared decides SARIF's identities.
    pub key: &'a FingerprintKey,
}

/// Writes `report` as `format`: the one entry point for every format.
///
/// SARIF levels and JUnit failures say what fails `gate`, with statuses
/// judged on `today` (the day the inventory was built for); pass the
/// settings the run's exit code comes from, so that the report and the
/// exit code agree (`GateConfig::default_for(policy)` gives the defaults).
/// The other formats do not depend on them. The table comes out plain:
/// colour is for a terminal ([`table::render`]).
pub fn render(
    format: Format,
    report: &Report<'_>,
    gate: &GateConfig,
    today: NaiveDate,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, w, false),
        Format::Ndjson => report
            .findings
            .iter()
            .try_for_each(|f| write_ndjson(f, report.key.id_str(), w)),
        Format::Json => json::render(report, w),
        Format::Csv => csv::render(report, w),
        Format::Markdown => markdown::render(report, w),
        Format::Html => html::render(report, w),
        Format::Sarif => sarif::render(report, gate, today, w),
        Format::Junit => junit::render(report, gate, today, w),
        // It carries the inventory's fingerprint sets, which a finished
        // inventory no longer has: `scan` writes it (crate::partial).
        Format::Partial => Err(io::Error::other(
            "a partial report is written by `tizim scan --format partial`",
        )),
    }
}

/// `--format json` with the findings streamed from `findings` instead of
/// `report.findings` (which is ignored): a merge of many parts writes them
/// without holding them. The bytes are those of [`render`]'s JSON.
pub fn render_json_streamed(
    report: &Report<'_>,
    findings: &mut dyn Iterator<Item = Result<Finding, String>>,
    w: &mut dyn Write,
) -> io::Result<()> {
    json::render_with(
        report,
        json::Findings::Stream(std::cell::RefCell::new(findings)),
        w,
    )
}

/// Shown wherever a report is made without a policy.
pub const NO_POLICY_HINT: &str = "No policy file, so every row is undeclared. Draft one from your privacy policy with `tizim policy import privacy.txt > tizim.toml`, review it, and scan again: tizim.toml at the scan root is picked up automatically (or pass --policy FILE).";

/// The directory every row's path starts with, so that human-facing reports
/// can print short locations and name the root once.
pub(crate) fn common_root(rows: &[InventoryRow]) -> String {
    let mut paths = rows.iter().map(|r| r.path.as_str());
    let Some(first) = paths.next() else {
        return String::new();
    };
    let mut prefix = first;
    for p in paths {
        let common = prefix
            .char_indices()
            .zip(p.chars())
            .find(|((_, a), b)| a != b)
            .map_or(prefix.len().min(p.len()), |((i, _), _)| i);
        prefix = &prefix[..common];
    }
    // Cut back to a whole directory.
    match prefix.rfind('/') {
        Some(i) => prefix[..=i].to_string(),
        None => String::new(),
    }
}

/// `location` without the common root.
pub(crate) fn short<'r>(location: &'r str, root: &str) -> &'r str {
    location.strip_prefix(root).unwrap_or(location)
}

/// Rows in report order: most urgent status first, then by location.
pub(crate) fn rows_by_urgency(inventory: &Inventory) -> Vec<&InventoryRow> {
    let rank = |s: Status| Status::ALL.iter().position(|&x| x == s).unwrap_or(0);
    let mut rows: Vec<&InventoryRow> = inventory.rows.iter().collect();
    rows.sort_by(|a, b| {
        (rank(a.status), &a.location, a.category).cmp(&(rank(b.status), &b.location, b.category))
    });
    rows
}

/// The purposes of a row in at most about `width` characters: as many ids
/// as fit, then `+N` for the rest (a drafted policy can have a dozen
/// purposes declaring the same category).
pub(crate) fn purposes_brief(purposes: &[String], width: usize) -> String {
    let mut out = String::new();
    for (i, id) in purposes.iter().enumerate() {
        let rest = purposes.len() - i;
        let sep = if out.is_empty() { "" } else { ", " };
        let more = if rest > 1 {
            format!(" +{}", rest - 1)
        } else {
            String::new()
        };
        if !out.is_empty()
            && out.chars().count() + sep.len() + id.chars().count() + more.len() > width
        {
            out.push_str(&format!(" +{rest}"));
            return out;
        }
        out.push_str(sep);
        out.push_str(id);
    }
    out
}

/// `1.4 MiB`.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The evidence ids the JSON uses (`value`, `column_name`, `derived`,
/// `decoded:<layer>`).
pub(crate) fn evidence_id(evidence: crate::model::Evidence) -> &'static str {
    evidence.id()
}

/// `7–12`, or `7` when the row is one line.
pub(crate) fn line_span(row: &InventoryRow) -> String {
    if row.first_line == row.last_line {
        row.first_line.to_string()
    } else {
        format!("{}–{}", row.first_line, row.last_line)
    }
}

/// One line on the operator and the policy, for report headers.
pub(crate) fn policy_line(policy: Option<&Policy>, inventory: &Inventory) -> String {
    let Some(policy) = policy else {
        return "no policy".to_string();
    };
    let mut line = if policy.operator.name.is_empty() {
        "unnamed operator".to_string()
    } else {
        policy.operator.name.clone()
    };
    // The operator's BIN stays out: it is a value of a detected category,
    // and reports hold masks only (tizim must find nothing in its own output).
    line.push_str(&format!(
        ", {} purpose{}",
        inventory.purposes.len(),
        if inventory.purposes.len() == 1 {
            ""
        } else {
            "s"
        }
    ));
    if !policy.prohibited.is_empty() {
        let ids: Vec<&str> = policy.prohibited.iter().map(|c| c.id()).collect();
        line.push_str(&format!(", never stores: {}", ids.join(", ")));
    }
    line
}

/// One line on what was scanned.
pub(crate) fn scan_line(report: &Report<'_>) -> String {
    let s = &report.summary.stats;
    let skipped: u64 = s.skipped.values().sum();
    let mut line = format!(
        "{} file{} scanned ({}) in {:.1} s: {} finding{} in {} location{}",
        s.files_scanned,
        if s.files_scanned == 1 { "" } else { "s" },
        human_bytes(s.bytes_scanned),
        s.elapsed_ms as f64 / 1000.0,
        s.findings,
        if s.findings == 1 { "" } else { "s" },
        distinct_locations(report.inventory),
        if distinct_locations(report.inventory) == 1 {
            ""
        } else {
            "s"
        },
    );
    if s.suppressed > 0 {
        line.push_str(&format!(", {} suppressed", s.suppressed));
    }
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    line.push_str(&format!(
        ", {} error{}",
        s.errors,
        if s.errors == 1 { "" } else { "s" }
    ));
    line
}

pub(crate) fn distinct_locations(inventory: &Inventory) -> usize {
    let mut locations: Vec<&str> = inventory.rows.iter().map(|r| r.location.as_str()).collect();
    locations.dedup();
    locations.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Confidence};

    fn row(path: &str) -> InventoryRow {
        InventoryRow {
            location: path.to_string(),
            path: path.to_string(),
            field: None,
            category: Category::Email,
            count: 1,
            distinct: 1,
            first_line: 1,
            last_line: 1,
            confidence: Confidence::High,
            evidence: vec![],
            status: Status::Undeclared,
            purposes: vec![],
            examples: vec![],
            modified: None,
            note: String::new(),
            sample: None,
        }
    }

    #[test]
    fn common_root_stops_at_a_directory() {
        let rows = [row("/tmp/demo/logs/a.log"), row("/tmp/demo/db/crm.sql")];
        assert_eq!(common_root(&rows), "/tmp/demo/");
        let rows = [row("/tmp/demo/logs/a.log"), row("/tmp/demo/logs/ab.log")];
        assert_eq!(common_root(&rows), "/tmp/demo/logs/");
        assert_eq!(common_root(&[row("a.log"), row("b.log")]), "");
        assert_eq!(common_root(&[row("./x/a.log")]), "./x/");
        assert_eq!(common_root(&[]), "");
    }

    #[test]
    fn long_purpose_lists_are_cut_with_a_count() {
        let ids: Vec<String> = ["support", "marketing", "analytics", "payments"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            purposes_brief(&ids, 80),
            "support, marketing, analytics, payments"
        );
        assert_eq!(purposes_brief(&ids, 24), "support, marketing +2");
        assert_eq!(purposes_brief(&ids[..1], 3), "support");
        assert_eq!(purposes_brief(&[], 10), "");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
    }
}
