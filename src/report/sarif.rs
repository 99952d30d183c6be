//! SARIF 2.1.0, as GitHub code scanning (and other SARIF viewers) read it.
//!
//! One rule per detector, with a help text; one result per finding, with a
//! masked message, a location (relative URI, line, column) and a partial
//! fingerprint that GitHub matches alerts by from run to run:
//!
//! - with a shared key (flag, environment, key file), the keyed fingerprint
//!   of the value (`tizimValueFingerprint/v1`), so an alert follows a value
//!   when lines move;
//! - without one, a value-free identity (`tizimLocation/v1`): a hash of
//!   path, field, detector and occurrence, which holds nothing of the value
//!   and is the same on every machine. A CI runner's installation key is new
//!   each run, so fingerprints made with it would make every alert new.
//!
//! The run's `properties` name the key id, its scope and which identity
//! the results carry. Suppressed findings stay in the log with SARIF `suppressions`
//! (inline `tizim:allow` is `inSource`, allow rules and baselines are
//! `external`), as the standard asks. Unreadable files become tool
//! execution notifications.
//!
//! The level says what the gate does with a finding: `error` when it fails
//! the gate (or would, were it not suppressed), `note` for declared data,
//! test values and low confidence, `warning` otherwise.

use super::Report;
use crate::gate::baseline::{location_identity, Identity, Occurrences};
use crate::gate::GateConfig;
use crate::inventory::{self, Status};
use crate::model::{Category, Evidence, Finding, ScanError};
use chrono::NaiveDate;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{self, Write};

pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key under which the value fingerprint is given in `partialFingerprints`
/// (shared fingerprint keys only).
pub const FINGERPRINT_KEY: &str = "tizimValueFingerprint/v1";
/// The key under which the value-free identity is given in
/// `partialFingerprints` (no shared fingerprint key).
pub const LOCATION_KEY: &str = "tizimLocation/v1";

/// Writes the report as SARIF, with levels from `gate` (through
/// [`super::render`]).
pub(crate) fn render(
    report: &Report<'_>,
    gate: &GateConfig,
    today: NaiveDate,
    w: &mut dyn Write,
) -> io::Result<()> {
    let log = sarif_log(report, gate, today);
    serde_json::to_writer_pretty(&mut *w, &log)?;
    w.write_all(b"\n")
}

/// A rule's id and category. Detector descriptions are left out on purpose:
/// they carry example values (`+7 701 234 56 78`) that would read as, and be
/// found as, personal data in the log; the category texts are hand-written
/// without any.
struct RuleInfo {
    id: String,
    category: Category,
    column_name: bool,
}

/// Every loaded detector, then any detector that only appears in findings
/// (`column-name`, detectors of an older baseline run).
fn rules_for(report: &Report<'_>) -> Vec<RuleInfo> {
    let mut rules: Vec<RuleInfo> = report
        .detectors
        .iter()
        .map(|d| RuleInfo {
            id: d.id.clone(),
            category: d.category,
            column_name: false,
        })
        .collect();
    for f in report.findings {
        if !rules.iter().any(|r| r.id == f.detector) {
            rules.push(RuleInfo {
                id: f.detector.to_string(),
                category: f.category,
                column_name: f.evidence == Evidence::ColumnName,
            });
        }
    }
    rules
}

fn rule_json(rule: &RuleInfo) -> Value {
    let category = rule.category;
    // What was found, in the words of the help text.
    let (what_text, what_markdown) = if rule.column_name {
        (
            "A column, header or key named like personal data (its values did not validate: \
             hashed, encrypted, masked, or not there yet) was found by the tizim detector \
             `column-name`."
                .to_string(),
            "**A field named like personal data** (`column-name`): its values did not \
             validate (hashed, encrypted, masked, or not there yet)."
                .to_string(),
        )
    } else {
        (
            format!(
                "Personal data ({}: {}) found by the tizim detector `{}`.",
                category.id(),
                category.describe(),
                rule.id
            ),
            format!(
                "**Personal data: {}** (`{}`), found by the detector `{}`.",
                category.describe(),
                category.id(),
                rule.id
            ),
        )
    };
    let help = format!(
        "{what_text} Anything committed to a repository is published to everyone who can read \
         it, history included. Remove it and use synthetic test data instead (if it was \
         committed, rewriting history is the only way to unpublish it). If it belongs there: \
         declare the purpose and location in tizim.toml, allow the path, detector or value in \
         the [allow] table of .tizim.toml, mark the line with `tizim:allow`, or accept current \
         findings with `tizim baseline create > .tizim-baseline.json` and scan with --baseline."
    );
    let markdown = format!(
        "{what_markdown}\n\n\
         Anything committed to a repository is published to everyone who can read it, \
         history included.\n\n\
         * Remove it and use synthetic test data instead; if it was committed, only \
         rewriting history unpublishes it.\n\
         * If it belongs there: declare the purpose and location in `tizim.toml`, allow the \
         path, detector or value in the `[allow]` table of `.tizim.toml`, mark the line with \
         `tizim:allow`, or accept current findings with \
         `tizim baseline create > .tizim-baseline.json` and scan with `--baseline`."
    );
    let (full, properties) = if rule.column_name {
        (
            "Name-only evidence: a structured field whose name says personal data".to_string(),
            json!({ "tags": ["privacy", "personal-data"] }),
        )
    } else {
        (
            format!("{} ({})", category.describe(), category.id()),
            json!({
                "category": category.id(),
                "tags": ["privacy", "personal-data", category.id()],
            }),
        )
    };
    json!({
        "id": rule.id,
        "shortDescription": { "text": short_description(rule) },
        "fullDescription": { "text": full },
        "help": { "text": help, "markdown": markdown },
        "defaultConfiguration": { "level": "warning" },
        "properties": properties,
    })
}

fn short_description(rule: &RuleInfo) -> String {
    if rule.column_name {
        "A column, header or key named like personal data whose values did not validate".to_string()
    } else {
        format!("{} (detector `{}`)", rule.category.describe(), rule.id)
    }
}

fn level(finding: &Finding, status: Status, gate: &GateConfig) -> &'static str {
    if gate.fails_unsuppressed(finding, status) {
        "error"
    } else if finding.test
        || status == Status::Declared
        || finding.confidence == crate::model::Confidence::Low
    {
        "note"
    } else {
        "warning"
    }
}

/// A relative path as a URI reference: `/` kept, anything outside the
/// unreserved set percent-encoded. Absolute paths become `file://` URIs.
pub fn path_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut trimmed = path.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    let mut out = String::with_capacity(trimmed.len() + 8);
    if trimmed.starts_with('/') {
        out.push_str("file://");
    }
    for b in trimmed.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Archive members (`outer!inner`) are located at their archive.
fn split_member(path: &str) -> (&str, Option<&str>) {
    match path.split_once('!') {
        Some((outer, inner)) => (outer, Some(inner)),
        None => (path, None),
    }
}

fn physical_location(path: &str, line: Option<(u64, u64)>) -> Value {
    let (outer, _) = split_member(path);
    let mut location = json!({ "artifactLocation": { "uri": path_uri(outer) } });
    if let Some((line, column)) = line.filter(|(l, _)| *l > 0) {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(line));
        // Inside an archive member the line is the member's, not the file's.
        if split_member(path).1.is_none() && column > 0 {
            region.insert("startColumn".into(), json!(column));
        }
        location["region"] = Value::Object(region);
    }
    location
}

fn message(f: &Finding) -> String {
    let what = f.category.describe();
    let mut text = match f.evidence {
        Evidence::ColumnName => format!(
            "Field `{}` is named like {} ({}), but its values did not validate (hashed, \
             encrypted or masked?)",
            f.field.as_deref().unwrap_or_default(),
            what,
            f.category.id()
        ),
        _ => format!("{what} ({}): {}", f.category.id(), f.masked),
    };
    if let (Some(field), Evidence::Value | Evidence::Derived | Evidence::Decoded(_)) =
        (&f.field, f.evidence)
    {
        text.push_str(&format!(" in `{field}`"));
    }
    if let (_, Some(member)) = split_member(&f.path) {
        text.push_str(&format!(" (archive member {member}, line {})", f.line));
    }
    if let Some(commit) = &f.commit {
        let short = &commit[..commit.len().min(12)];
        text.push_str(&format!(" [added in commit {short}"));
        if let Some(date) = &f.author_date {
            text.push_str(&format!(", {date}"));
        }
        text.push(']');
    }
    if f.test {
        text.push_str(" (a well-known test value)");
    }
    text
}

fn suppression(reason: &str) -> Value {
    let (kind, justification) = match reason {
        "inline" => ("inSource", "marked `tizim:allow` on its line".to_string()),
        "baseline" => ("external", "in the baseline (--baseline)".to_string()),
        other => (
            "external",
            match other.strip_prefix("allow.") {
                Some(rule) => format!("allowed by [allow] {rule}"),
                None => other.to_string(),
            },
        ),
    };
    json!({ "kind": kind, "status": "accepted", "justification": justification })
}

fn result_json(
    f: &Finding,
    rule_index: usize,
    status: Status,
    gate: &GateConfig,
    partial_fingerprints: Value,
) -> Value {
    let mut result = json!({
        "ruleId": f.detector,
        "ruleIndex": rule_index,
        "level": level(f, status, gate),
        "message": { "text": message(f) },
        "locations": [{ "physicalLocation": physical_location(&f.path, Some((f.line, f.column))) }],
        "partialFingerprints": partial_fingerprints,
    });
    let mut properties = Map::new();
    properties.insert("category".into(), json!(f.category.id()));
    properties.insert("confidence".into(), json!(f.confidence.id()));
    properties.insert("evidence".into(), json!(f.evidence));
    properties.insert("status".into(), json!(status));
    properties.insert("masked".into(), json!(f.masked));
    properties.insert("path".into(), json!(f.path));
    for (key, value) in [
        ("field", &f.field.as_deref()),
        ("commit", &f.commit.as_deref()),
        ("authorDate", &f.author_date.as_deref()),
        // Only present with --show-values.
        ("value", &f.value.as_deref()),
    ] {
        if let Some(v) = value {
            properties.insert(key.into(), json!(v));
        }
    }
    if f.test {
        properties.insert("test".into(), json!(true));
    }
    result["properties"] = Value::Object(properties);
    if let Some(reason) = &f.suppressed {
        result["suppressions"] = json!([suppression(reason)]);
    }
    result
}

fn notification(e: &ScanError) -> Value {
    let mut n = json!({
        "level": "error",
        "message": { "text": format!("{}: {}", e.path, e.message) },
    });
    if !e.path.is_empty() {
        n["locations"] = json!([{ "physicalLocation": physical_location(&e.path, None) }]);
    }
    n
}

/// The whole SARIF log as a JSON value.
pub fn sarif_log(report: &Report<'_>, gate: &GateConfig, today: NaiveDate) -> Value {
    let rules = rules_for(report);
    let index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let identity = Identity::for_key(report.key);
    let occurrences = Occurrences::default();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let (status, _) = inventory::classify(f, report.policy, today);
            let partial = match identity {
                Identity::Fingerprint => json!({ FINGERPRINT_KEY: f.fingerprint }),
                Identity::Location => {
                    let field = f.field.as_deref();
                    let n = occurrences.next(&f.path, field, &f.detector);
                    json!({ LOCATION_KEY: location_identity(&f.path, field, &f.detector, n) })
                }
            };
            result_json(f, index[&*f.detector], status, gate, partial)
        })
        .collect();
    let notifications: Vec<Value> = report.summary.errors.iter().map(notification).collect();
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tizim",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
                }
            },
            "invocations": [{
                // The scan ran; whether the gate passed is the exit code's business.
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "properties": {
                "tizimKeyId": report.key.id_str(),
                "tizimKeyScope": report.key.scope().id(),
                "tizimIdentity": identity.id(),
            },
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(path_uri("./src/a b.sql"), "src/a%20b.sql");
        assert_eq!(path_uri("/tmp/x#1.csv"), "file:///tmp/x%231.csv");
        assert_eq!(path_uri("д.txt"), "%D0%B4.txt");
    }
}
