//! Report stage: renders findings, the inventory and the summary. Every
//! format shows masks and fingerprints only; raw values appear solely when
//! the findings carry them (`--show-values`).

use crate::detect::DetectorInfo;
use crate::inventory::Inventory;
use crate::model::Finding;
use crate::policy::Policy;
use crate::scan::ScanSummary;
use std::io::{self, Write};

pub mod junit;
pub mod sarif;

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
}

/// Writes one finding as an NDJSON line.
pub fn write_ndjson(finding: &Finding, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *w, finding)?;
    w.write_all(b"\n")
}

/// Everything a report may show.
pub struct Report<'a> {
    /// Sorted by path, line, column. Suppressed ones included (marked).
    pub findings: &'a [Finding],
    pub inventory: &'a Inventory,
    pub policy: Option<&'a Policy>,
    pub summary: &'a ScanSummary,
    pub detectors: &'a [DetectorInfo],
}

pub fn render(format: Format, report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Sarif => return sarif::render(report, w),
        Format::Junit => return junit::render(report, w),
        _ => {}
    }
    // SKELETON: the table, JSON, CSV, Markdown and HTML renderers replace this.
    for f in report.findings {
        write_ndjson(f, w)?;
    }
    Ok(())
}
