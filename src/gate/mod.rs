//! CI gate: suppressions (allow rules, baselines), git-scoped scans and the
//! pass/fail decision.
//!
//! The decision is made incrementally ([`Gate::add`]) so that streamed scans
//! need not keep their findings.

use crate::inventory::{self, Status};
use crate::model::{Confidence, Finding};
use crate::policy::Policy;
use crate::scan::ScanSummary;
use chrono::NaiveDate;

pub mod git;

/// What fails the run (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Any,
    Undeclared,
    Prohibited,
    None,
}

#[derive(Debug, Clone)]
pub struct GateConfig {
    pub fail_on: FailOn,
    pub min_confidence: Confidence,
    /// Unreadable files fail the run too.
    pub strict: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub failed: bool,
    /// Why, for the summary line.
    pub reason: String,
}

/// Counts the findings that fail the gate.
pub struct Gate<'p> {
    config: GateConfig,
    policy: Option<&'p Policy>,
    today: NaiveDate,
    failing: u64,
}

impl<'p> Gate<'p> {
    pub fn new(config: GateConfig, policy: Option<&'p Policy>, today: NaiveDate) -> Self {
        Gate {
            config,
            policy,
            today,
            failing: 0,
        }
    }

    pub fn add(&mut self, finding: &Finding) {
        // SKELETON
        if finding.suppressed.is_some()
            || finding.test
            || finding.confidence < self.config.min_confidence
        {
            return;
        }
        let (status, _) = inventory::classify(finding, self.policy, self.today);
        let fails = match self.config.fail_on {
            FailOn::Any => true,
            FailOn::Undeclared => status != Status::Declared,
            FailOn::Prohibited => status == Status::Prohibited,
            FailOn::None => false,
        };
        self.failing += u64::from(fails);
    }

    pub fn verdict(&self, summary: &ScanSummary) -> Verdict {
        let _ = summary;
        Verdict {
            failed: self.failing > 0,
            reason: format!("{} findings fail the gate", self.failing),
        }
    }
}
