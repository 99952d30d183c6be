//! `--format json`: one document with everything (contract in the README,
//! "JSON report").

use super::{Report, NO_POLICY_HINT};
use crate::inventory::{InventoryRow, PurposeCoverage, StatusCount, Subjects};
use crate::model::{Category, Finding, Notice, ScanError, Stats};
use serde::Serialize;
use std::cell::RefCell;
use std::io::{self, Write};

/// Bumped when a field changes meaning or disappears; new fields do not bump it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    tool: Tool,
    /// The day statuses and minors were judged on.
    as_of: &'a str,
    /// The id of the key the fingerprints were made with, and its scope
    /// (`installation`, `shared`, `ephemeral`).
    key_id: &'a str,
    key_scope: &'static str,
    policy: Option<PolicySummary<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'static str>,
    findings: Findings<'a>,
    inventory: &'a [InventoryRow],
    purposes: &'a [PurposeCoverage],
    statuses: &'a [StatusCount],
    subjects: &'a Subjects,
    test_values: u64,
    errors: &'a [ScanError],
    notices: &'a [Notice],
    stats: &'a Stats,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// The operator's name only: its BIN is a value of a detected category, and
/// a report carries none.
#[derive(Serialize)]
struct PolicySummary<'a> {
    operator: &'a str,
    prohibited: &'a [Category],
}

/// The findings of a document: a slice, or a stream serialised as it is read.
pub enum Findings<'a> {
    Slice(&'a [Finding]),
    Stream(RefCell<&'a mut dyn Iterator<Item = Result<Finding, String>>>),
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        match self {
            Findings::Slice(findings) => findings.serialize(serializer),
            Findings::Stream(stream) => {
                let mut seq = serializer.serialize_seq(None)?;
                let mut stream = stream.borrow_mut();
                for finding in &mut **stream {
                    seq.serialize_element(&finding.map_err(S::Error::custom)?)?;
                }
                seq.end()
            }
        }
    }
}

pub fn render(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    render_with(report, Findings::Slice(report.findings), w)
}

pub fn render_with<'a>(
    report: &'a Report<'a>,
    findings: Findings<'a>,
    w: &mut dyn Write,
) -> io::Result<()> {
    let inv = report.inventory;
    let doc = Document {
        schema: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        as_of: &inv.as_of,
        key_id: report.key.id_str(),
        key_scope: report.key.scope().id(),
        policy: report.policy.map(|p| PolicySummary {
            operator: &p.operator.name,
            prohibited: &p.prohibited,
        }),
        hint: report.policy.is_none().then_some(NO_POLICY_HINT),
        findings,
        inventory: &inv.rows,
        purposes: &inv.purposes,
        statuses: &inv.statuses,
        subjects: &inv.subjects,
        test_values: inv.test_values,
        errors: &report.summary.errors,
        notices: &report.summary.notices,
        stats: &report.summary.stats,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
