//! CI gate: suppressions (allow rules, baselines), git-scoped scans and the
//! pass/fail decision.
//!
//! The decision is made incrementally ([`Gate::add`]) so that streamed scans
//! need not keep their findings. Suppressions are applied by [`Suppress`], a
//! [`FindingSink`] wrapper, before findings reach the report and the gate.

use crate::inventory::{self, Status};
use crate::model::{Confidence, Finding, SkipReason};
use crate::policy::Policy;
use crate::scan::{FindingSink, ScanSummary};
use chrono::NaiveDate;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod allow;
pub mod baseline;
pub mod git;

pub use allow::AllowRules;
pub use baseline::Baseline;

/// What fails the run (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any finding at or above the minimum confidence.
    Any,
    /// Any finding whose inventory status is not `declared`.
    Undeclared,
    /// Only findings of categories the policy prohibits.
    Prohibited,
    /// Never fail on findings (unreadable files still can, with `--strict`).
    None,
}

impl FailOn {
    pub const IDS: [&'static str; 4] = ["any", "undeclared", "prohibited", "none"];

    pub fn from_id(id: &str) -> Option<FailOn> {
        match id {
            "any" => Some(FailOn::Any),
            "undeclared" => Some(FailOn::Undeclared),
            "prohibited" => Some(FailOn::Prohibited),
            "none" => Some(FailOn::None),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            FailOn::Any => "any",
            FailOn::Undeclared => "undeclared",
            FailOn::Prohibited => "prohibited",
            FailOn::None => "none",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateConfig {
    pub fail_on: FailOn,
    /// Findings below this confidence never fail the run.
    pub min_confidence: Confidence,
    /// Unreadable files, and blobs missing from a partial clone, fail the run
    /// too (exit 1, like failing findings).
    pub strict: bool,
}

impl GateConfig {
    /// The defaults: with a policy, anything not declared fails (any
    /// confidence); without one, any finding of medium or higher confidence.
    pub fn default_for(policy: Option<&Policy>) -> GateConfig {
        match policy {
            Some(_) => GateConfig {
                fail_on: FailOn::Undeclared,
                min_confidence: Confidence::Low,
                strict: false,
            },
            None => GateConfig {
                fail_on: FailOn::Any,
                min_confidence: Confidence::Medium,
                strict: false,
            },
        }
    }

    /// Whether `finding`, whose inventory status is `status`, fails the gate
    /// when nothing suppresses it. Test values (sandbox cards and the like)
    /// never do.
    pub fn fails_unsuppressed(&self, finding: &Finding, status: Status) -> bool {
        if finding.test || finding.confidence < self.min_confidence {
            return false;
        }
        match self.fail_on {
            FailOn::Any => true,
            FailOn::Undeclared => status != Status::Declared,
            FailOn::Prohibited => status == Status::Prohibited,
            FailOn::None => false,
        }
    }

    /// Whether `finding` fails the gate.
    pub fn fails(&self, finding: &Finding, status: Status) -> bool {
        finding.suppressed.is_none() && self.fails_unsuppressed(finding, status)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub failed: bool,
    /// Findings that fail the gate.
    pub failing: u64,
    /// Why, for the summary line.
    pub reason: String,
}

/// Counts the findings that fail the gate.
pub struct Gate<'p> {
    config: GateConfig,
    policy: Option<&'p Policy>,
    today: NaiveDate,
    failing: u64,
    suppressed: u64,
}

impl<'p> Gate<'p> {
    pub fn new(config: GateConfig, policy: Option<&'p Policy>, today: NaiveDate) -> Self {
        Gate {
            config,
            policy,
            today,
            failing: 0,
            suppressed: 0,
        }
    }

    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// Whether `finding` fails this gate (without counting it).
    pub fn fails(&self, finding: &Finding) -> bool {
        if finding.suppressed.is_some() || finding.test {
            return false;
        }
        let (status, _) = inventory::classify(finding, self.policy, self.today);
        self.config.fails(finding, status)
    }

    pub fn add(&mut self, finding: &Finding) {
        if finding.suppressed.is_some() {
            self.suppressed += 1;
            return;
        }
        self.failing += u64::from(self.fails(finding));
    }

    pub fn verdict(&self, summary: &ScanSummary) -> Verdict {
        let errors = summary.errors.len() as u64;
        let missing = summary
            .stats
            .skipped
            .get(SkipReason::Missing.id())
            .copied()
            .unwrap_or(0);
        // Formats tizim does not read (`.doc`, images, encrypted or scanned
        // PDFs) are content it could not look at, like an unreadable file.
        let unread = summary.stats.unread();
        let strict_failure = self.config.strict && (errors > 0 || missing > 0 || unread > 0);
        let failed = self.failing > 0 || strict_failure;
        let rule = match self.config.fail_on {
            FailOn::None => "--fail-on none".to_string(),
            other => format!(
                "--fail-on {}, --min-confidence {}",
                other.id(),
                self.config.min_confidence
            ),
        };
        let with_strict = if self.config.strict {
            " (fail with --strict)"
        } else {
            ""
        };
        let mut reason = if self.failing > 0 {
            format!(
                "gate failed: {} {} ({rule})",
                self.failing,
                plural(self.failing, "finding fails", "findings fail")
            )
        } else if strict_failure {
            format!("gate failed: no finding fails ({rule})")
        } else {
            format!("gate passed: no finding fails ({rule})")
        };
        if self.suppressed > 0 {
            reason.push_str(&format!("; {} suppressed", self.suppressed));
        }
        if errors > 0 {
            reason.push_str(&format!(
                "; {errors} unreadable {}{with_strict}",
                plural(errors, "file", "files"),
            ));
        }
        if missing > 0 {
            reason.push_str(&format!(
                "; {missing} {} not scanned: missing from a partial clone; fetch them first, \
                 or scan a full clone{with_strict}",
                plural(missing, "blob", "blobs"),
            ));
        }
        if unread > 0 {
            reason.push_str(&format!(
                "; {unread} {} not read{with_strict}",
                plural(unread, "file", "files"),
            ));
        }
        Verdict {
            failed,
            failing: self.failing,
            reason,
        }
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Everything that can suppress a finding after detection: allow rules
/// (`[allow]` in the policy, `.tizim.toml`) and a baseline. Inline
/// `tizim:allow` is applied earlier, by the scanner, because it needs the line.
#[derive(Debug, Default)]
pub struct Suppressions {
    pub allow: AllowRules,
    pub baseline: Option<Baseline>,
    /// Scan roots, stripped from finding paths so that rules and baselines
    /// speak of paths relative to the scanned tree.
    pub roots: Vec<String>,
}

impl Suppressions {
    /// Why `finding` is suppressed (`allow.paths`, `allow.detectors`,
    /// `allow.fingerprints`, `baseline`), if it is.
    pub fn reason(&self, finding: &Finding) -> Option<&'static str> {
        let path = relative_path(&finding.path, &self.roots);
        if let Some(reason) = self.allow.reason(path, finding) {
            return Some(reason);
        }
        if self
            .baseline
            .as_ref()
            .is_some_and(|b| b.contains(path, finding))
        {
            return Some("baseline");
        }
        None
    }

    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.baseline.is_none()
    }
}

/// `path` relative to the scan root it was reached from: `./a/b` → `a/b`,
/// `repo/a/b` (root `repo`) → `a/b`. Paths outside every root are returned
/// without a leading `./`.
pub fn relative_path<'a>(path: &'a str, roots: &[String]) -> &'a str {
    for root in roots {
        let root = root.trim_end_matches('/');
        if root.is_empty() || root == "." {
            continue;
        }
        if let Some(rest) = path.strip_prefix(root) {
            if let Some(rest) = rest.strip_prefix('/') {
                return strip_dot_slash(rest);
            }
        }
    }
    strip_dot_slash(path)
}

fn strip_dot_slash(mut path: &str) -> &str {
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path
}

/// Applies [`Suppressions`] to findings on their way to `inner`, counting
/// what it suppressed so the scan's stats can be corrected afterwards.
pub struct Suppress<'a> {
    rules: &'a Suppressions,
    inner: &'a dyn FindingSink,
    newly_suppressed: AtomicU64,
}

impl<'a> Suppress<'a> {
    pub fn new(rules: &'a Suppressions, inner: &'a dyn FindingSink) -> Self {
        Suppress {
            rules,
            inner,
            newly_suppressed: AtomicU64::new(0),
        }
    }

    /// Moves the findings this wrapper suppressed from `stats.findings` to
    /// `stats.suppressed` (the scanner counted them as live).
    pub fn finish(self, summary: &mut ScanSummary) {
        let n = self.newly_suppressed.into_inner();
        summary.stats.findings = summary.stats.findings.saturating_sub(n);
        summary.stats.suppressed += n;
    }
}

impl FindingSink for Suppress<'_> {
    fn finding(&self, mut finding: Finding) {
        if finding.suppressed.is_none() {
            if let Some(reason) = self.rules.reason(&finding) {
                finding.suppressed = Some(reason.to_string());
                self.newly_suppressed.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.inner.finding(finding);
    }

    fn findings(&self, batch: &mut Vec<Finding>) {
        for finding in batch.iter_mut().filter(|f| f.suppressed.is_none()) {
            if let Some(reason) = self.rules.reason(finding) {
                finding.suppressed = Some(reason.to_string());
                self.newly_suppressed.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.inner.findings(batch);
    }

    fn file_done(&self, stats: &crate::model::Stats) {
        self.inner.file_done(stats);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(confidence: Confidence) -> Finding {
        Finding {
            confidence,
            masked: "a***b".into(),
            ..Finding::example("a.txt")
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()
    }

    #[test]
    fn fail_on_matrix() {
        let f = finding(Confidence::High);
        let cases = [
            (FailOn::Any, Status::Declared, true),
            (FailOn::Any, Status::Undeclared, true),
            (FailOn::Undeclared, Status::Declared, false),
            (FailOn::Undeclared, Status::OutOfPlace, true),
            (FailOn::Undeclared, Status::PastRetention, true),
            (FailOn::Prohibited, Status::Undeclared, false),
            (FailOn::Prohibited, Status::Prohibited, true),
            (FailOn::None, Status::Prohibited, false),
        ];
        for (fail_on, status, expected) in cases {
            let config = GateConfig {
                fail_on,
                min_confidence: Confidence::Low,
                strict: false,
            };
            assert_eq!(
                config.fails(&f, status),
                expected,
                "{fail_on:?} with {status:?}"
            );
        }
    }

    #[test]
    fn confidence_test_values_and_suppression_never_fail() {
        let config = GateConfig::default_for(None);
        let mut gate = Gate::new(config, None, today());
        gate.add(&finding(Confidence::Low));
        let mut test_value = finding(Confidence::High);
        test_value.test = true;
        gate.add(&test_value);
        let mut suppressed = finding(Confidence::High);
        suppressed.suppressed = Some("baseline".into());
        gate.add(&suppressed);
        let verdict = gate.verdict(&ScanSummary::default());
        assert!(!verdict.failed, "{}", verdict.reason);
        assert!(
            verdict.reason.contains("1 suppressed"),
            "{}",
            verdict.reason
        );
        gate.add(&finding(Confidence::Medium));
        let verdict = gate.verdict(&ScanSummary::default());
        assert!(verdict.failed);
        assert_eq!(verdict.failing, 1);
    }

    #[test]
    fn strict_fails_on_unreadable_files_only_when_asked() {
        let mut summary = ScanSummary::default();
        summary.errors.push(crate::model::ScanError {
            path: "x".into(),
            message: "permission denied".into(),
        });
        let lax = Gate::new(GateConfig::default_for(None), None, today());
        assert!(!lax.verdict(&summary).failed);
        let strict = Gate::new(
            GateConfig {
                strict: true,
                ..GateConfig::default_for(None)
            },
            None,
            today(),
        );
        let verdict = strict.verdict(&summary);
        assert!(verdict.failed);
        assert!(verdict.reason.contains("unreadable"), "{}", verdict.reason);
    }

    #[test]
    fn strict_fails_on_formats_not_read_only_when_asked() {
        let mut summary = ScanSummary::default();
        summary.stats.skip(crate::model::SkipReason::UnreadFormat);
        summary.stats.skip(crate::model::SkipReason::Binary);
        let lax = Gate::new(GateConfig::default_for(None), None, today());
        let verdict = lax.verdict(&summary);
        assert!(!verdict.failed);
        assert!(
            verdict.reason.contains("1 file not read"),
            "{}",
            verdict.reason
        );
        let strict = Gate::new(
            GateConfig {
                strict: true,
                ..GateConfig::default_for(None)
            },
            None,
            today(),
        );
        assert!(strict.verdict(&summary).failed);
        // A binary file is not a format left unread: it fails nothing.
        let mut binary_only = ScanSummary::default();
        binary_only.stats.skip(crate::model::SkipReason::Binary);
        assert!(!strict.verdict(&binary_only).failed);
    }

    #[test]
    fn relative_paths() {
        let roots = vec!["repo".to_string(), ".".to_string()];
        assert_eq!(relative_path("repo/a/b.sql", &roots), "a/b.sql");
        assert_eq!(relative_path("./a/b.sql", &roots), "a/b.sql");
        assert_eq!(relative_path("repository/x", &roots), "repository/x");
        assert_eq!(relative_path("a.zip!b.csv", &[]), "a.zip!b.csv");
    }
}
