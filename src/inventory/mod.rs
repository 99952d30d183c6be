//! Inventory stage: one row per (location, category), mapped against the
//! policy's declared purposes.
//!
//! Built incrementally ([`InventoryBuilder::add`]) so that a streaming scan
//! (`--format ndjson`) never has to hold every finding in memory.

use crate::model::{Category, Confidence, Evidence, Finding};
use crate::policy::Policy;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Declared,
    Undeclared,
    OutOfPlace,
    Prohibited,
    PastRetention,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryRow {
    /// `path`, or `path#field` for structured sources.
    pub location: String,
    pub path: String,
    pub field: Option<String>,
    pub category: Category,
    pub count: u64,
    pub distinct: u64,
    pub first_line: u64,
    pub last_line: u64,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    pub status: Status,
    pub purposes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inventory {
    pub rows: Vec<InventoryRow>,
}

/// The status of one finding's location and category under `policy`, and
/// the purposes that cover it. Without a policy everything is undeclared.
pub fn classify(
    finding: &Finding,
    policy: Option<&Policy>,
    today: NaiveDate,
) -> (Status, Vec<String>) {
    // SKELETON
    let _ = (finding, policy, today);
    (Status::Undeclared, Vec::new())
}

/// Aggregates findings one at a time.
pub struct InventoryBuilder<'p> {
    policy: Option<&'p Policy>,
    today: NaiveDate,
}

impl<'p> InventoryBuilder<'p> {
    /// `today` is a parameter so that retention and minors are testable.
    pub fn new(policy: Option<&'p Policy>, today: NaiveDate) -> Self {
        InventoryBuilder { policy, today }
    }

    /// Suppressed findings are ignored.
    pub fn add(&mut self, finding: &Finding) {
        // SKELETON
        let _ = (finding, self.policy, self.today);
    }

    pub fn finish(self) -> Inventory {
        Inventory::default()
    }
}

/// Aggregates a whole slice of findings.
pub fn build(findings: &[Finding], policy: Option<&Policy>, today: NaiveDate) -> Inventory {
    let mut b = InventoryBuilder::new(policy, today);
    for f in findings {
        b.add(f);
    }
    b.finish()
}
