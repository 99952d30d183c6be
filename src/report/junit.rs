//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins,
//! Azure Pipelines…).
//!
//! One test case per location and category (`path` or `path#field`, like
//! an inventory row): it fails when any of its findings fails the gate,
//! is skipped when all of them are suppressed, and passes otherwise
//! (declared data, test values, findings below the gate's confidence).
//! Unreadable files are test cases with an `<error>`. A `scan` case always
//! passes, so that a clean scan is not an empty report. Only masked values
//! are written.

use super::Report;
use crate::gate::GateConfig;
use crate::inventory::{self, Status};
use crate::model::{Category, Finding};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Lines listed in a failure before "…".
const LINES_SHOWN: usize = 20;

struct Case<'a> {
    path: &'a str,
    field: Option<&'a str>,
    category: Category,
    findings: Vec<(&'a Finding, Status, bool)>,
}

/// Writes the report as JUnit XML, failing what `gate` fails (through
/// [`super::render`]).
pub(crate) fn render(
    report: &Report<'_>,
    gate: &GateConfig,
    today: NaiveDate,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut cases: Vec<Case<'_>> = Vec::new();
    let mut index: HashMap<(&str, Option<&str>, Category), usize> = HashMap::new();
    for f in report.findings {
        let key = (&*f.path, f.field.as_deref(), f.category);
        let i = *index.entry(key).or_insert_with(|| {
            cases.push(Case {
                path: key.0,
                field: key.1,
                category: key.2,
                findings: Vec::new(),
            });
            cases.len() - 1
        });
        let (status, _) = inventory::classify(f, report.policy, today);
        let fails = gate.fails(f, status);
        cases[i].findings.push((f, status, fails));
    }

    let mut body = String::new();
    let (mut failures, mut skipped) = (0u64, 0u64);
    for case in &cases {
        let location = match case.field {
            Some(field) => format!("{}#{field}", case.path),
            None => case.path.to_string(),
        };
        let _ = write!(
            body,
            "    <testcase classname=\"tizim.{}\" name=\"{}\" file=\"{}\"",
            case.category.id(),
            xml_escape(&location),
            xml_escape(case.path)
        );
        if let Some((first, _, _)) = case.findings.first() {
            let _ = write!(body, " line=\"{}\"", first.line);
        }
        let failing: Vec<&(&Finding, Status, bool)> = case
            .findings
            .iter()
            .filter(|(_, _, fails)| *fails)
            .collect();
        let all_suppressed = case.findings.iter().all(|(f, _, _)| f.suppressed.is_some());
        if !failing.is_empty() {
            failures += 1;
            let (_, status, _) = failing[0];
            let status_id = serde_json::to_value(status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let message = format!(
                "{} {} {} fail the gate ({} found here)",
                failing.len(),
                status_id,
                case.category.id(),
                case.findings.len()
            );
            let mut details = String::new();
            for (f, _, _) in failing.iter().take(LINES_SHOWN) {
                let _ = write!(
                    details,
                    "{}:{}:{} {} {} ({} confidence)",
                    f.path, f.line, f.column, f.detector, f.masked, f.confidence
                );
                if let Some(commit) = &f.commit {
                    let _ = write!(details, " commit {commit}");
                }
                details.push('\n');
            }
            if failing.len() > LINES_SHOWN {
                let _ = writeln!(details, "… and {} more", failing.len() - LINES_SHOWN);
            }
            let _ = write!(
                body,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                xml_escape(&status_id),
                xml_escape(&message),
                xml_escape(&details)
            );
        } else if all_suppressed {
            skipped += 1;
            let reason = case.findings[0].0.suppressed.as_deref().unwrap_or_default();
            let _ = write!(
                body,
                ">\n      <skipped message=\"suppressed: {}\"/>\n    </testcase>\n",
                xml_escape(reason)
            );
        } else {
            body.push_str("/>\n");
        }
    }
    for e in &report.summary.errors {
        let _ = write!(
            body,
            "    <testcase classname=\"tizim.unreadable\" name=\"{}\" file=\"{}\">\n      \
             <error type=\"unreadable\" message=\"{}\"/>\n    </testcase>\n",
            xml_escape(&e.path),
            xml_escape(&e.path),
            xml_escape(&e.message)
        );
    }
    let stats = &report.summary.stats;
    let _ = write!(
        body,
        "    <testcase classname=\"tizim\" name=\"scan\">\n      <system-out>{}</system-out>\n    </testcase>\n",
        xml_escape(&format!(
            "{} files scanned, {} findings, {} suppressed, {} unreadable",
            stats.files_scanned, stats.findings, stats.suppressed, stats.errors
        ))
    );

    let tests = cases.len() as u64 + report.summary.errors.len() as u64 + 1;
    let errors = report.summary.errors.len();
    let time = stats.elapsed_ms as f64 / 1000.0;
    let head = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"tizim\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">\n  \
         <testsuite name=\"tizim personal data scan\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\">\n    \
         <properties>\n      \
         <property name=\"tizim.key_id\" value=\"{key_id}\"/>\n      \
         <property name=\"tizim.key_scope\" value=\"{key_scope}\"/>\n    \
         </properties>\n",
        key_id = xml_escape(report.key.id_str()),
        key_scope = report.key.scope().id(),
    );
    w.write_all(head.as_bytes())?;
    w.write_all(body.as_bytes())?;
    w.write_all(b"  </testsuite>\n</testsuites>\n")
}

/// Escapes text for XML attributes and content. Characters XML 1.0 cannot
/// carry at all (most C0 controls) become U+FFFD, so the document stays
/// well-formed whatever a path contains.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            xml_escape("a<b>&\"c'\u{1}\td"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}\td"
        );
    }
}
