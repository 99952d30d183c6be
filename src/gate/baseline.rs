//! Baselines: the findings a team has accepted, so that only new ones fail.
//!
//! An entry is the keyed fingerprint of the value, the path relative to the
//! scan root and the detector: no line numbers (so inserting lines above a
//! finding, or editing the file around it, keeps it baselined), no commit
//! ids, no raw values. The same value in the same file by the same detector
//! is one entry, wherever and however often it appears.
//!
//! ```json
//! {
//!   "tizim_baseline": 1,
//!   "key_check": "…",
//!   "findings": [
//!     { "path": "tests/fixtures/users.sql", "detector": "email",
//!       "category": "email", "fingerprint": "…" }
//!   ]
//! }
//! ```
//!
//! `key_check` is the fingerprint of a fixed probe string under the key the
//! baseline was made with: a baseline read with another fingerprint key
//! would match nothing, and is refused instead.

use crate::detect::Fingerprinter;
use crate::model::{Category, Finding};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::io::{self, Write};
use std::path::Path;

/// Current format version.
pub const BASELINE_VERSION: u32 = 1;

const KEY_PROBE: &str = "tizim baseline key check";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub path: String,
    pub detector: String,
    /// For people reading the file; not used for matching.
    pub category: Category,
    pub fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    tizim_baseline: u32,
    key_check: String,
    findings: Vec<BaselineEntry>,
}

#[derive(Debug, Default)]
pub struct Baseline {
    /// `(fingerprint, path, detector)`.
    entries: HashSet<(String, String, String)>,
}

fn key_check(fingerprinter: &Fingerprinter) -> String {
    fingerprinter.fingerprint(Category::Email, KEY_PROBE)
}

impl Baseline {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `finding`, at `relative` (its path relative to the scan
    /// root), is in the baseline.
    pub fn contains(&self, relative: &str, finding: &Finding) -> bool {
        // Avoids allocating a key per lookup for the common miss.
        self.entries.contains(&(
            finding.fingerprint.clone(),
            relative.to_string(),
            finding.detector.to_string(),
        ))
    }

    /// Parses a baseline file's text. `fingerprinter` must be the one the
    /// scan uses.
    pub fn parse(text: &str, fingerprinter: &Fingerprinter) -> Result<Baseline, String> {
        let file: BaselineFile = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a tizim baseline (line {}, column {}): {e}",
                e.line(),
                e.column()
            )
        })?;
        if file.tizim_baseline != BASELINE_VERSION {
            return Err(format!(
                "baseline format {} is not supported (this tizim reads {BASELINE_VERSION})",
                file.tizim_baseline
            ));
        }
        if file.key_check != key_check(fingerprinter) {
            return Err(
                "the baseline was made with a different fingerprint key \
                 (--fingerprint-key / TIZIM_FINGERPRINT_KEY): use the same key, or create it anew"
                    .to_string(),
            );
        }
        Ok(Baseline {
            entries: file
                .findings
                .into_iter()
                .map(|e| (e.fingerprint, e.path, e.detector))
                .collect(),
        })
    }

    pub fn load(path: &Path, fingerprinter: &Fingerprinter) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Baseline::parse(&text, fingerprinter).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Collects baseline entries from findings as they arrive.
#[derive(Debug, Default)]
pub struct BaselineBuilder {
    entries: BTreeSet<BaselineEntry>,
}

impl BaselineBuilder {
    /// Records `finding` at `relative` (its path relative to the scan root).
    /// Findings that are already suppressed, or are test values, never fail a
    /// gate and are left out.
    pub fn add(&mut self, relative: &str, finding: &Finding) {
        if finding.suppressed.is_some() || finding.test {
            return;
        }
        self.entries.insert(BaselineEntry {
            path: relative.to_string(),
            detector: finding.detector.to_string(),
            category: finding.category,
            fingerprint: finding.fingerprint.clone(),
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the baseline as pretty JSON, entries sorted, so that it diffs
    /// well under version control.
    pub fn write(self, fingerprinter: &Fingerprinter, w: &mut dyn Write) -> io::Result<()> {
        let file = BaselineFile {
            tizim_baseline: BASELINE_VERSION,
            key_check: key_check(fingerprinter),
            findings: self.entries.into_iter().collect(),
        };
        serde_json::to_writer_pretty(&mut *w, &file)?;
        w.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, line: u64, fingerprint: &str) -> Finding {
        Finding {
            line,
            column: 3,
            fingerprint: fingerprint.into(),
            ..Finding::example(path)
        }
    }

    #[test]
    fn round_trip_ignores_lines_and_checks_the_key() {
        let fp = Fingerprinter::default();
        let mut b = BaselineBuilder::default();
        b.add("a.txt", &finding("./a.txt", 3, "aa"));
        b.add("a.txt", &finding("./a.txt", 9, "aa"));
        b.add("b.txt", &finding("b.txt", 1, "bb"));
        let mut test_value = finding("c.txt", 1, "cc");
        test_value.test = true;
        b.add("c.txt", &test_value);
        assert_eq!(b.len(), 2);
        let mut out = Vec::new();
        b.write(&fp, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("\"line\""), "{text}");

        let baseline = Baseline::parse(&text, &fp).unwrap();
        assert!(baseline.contains("a.txt", &finding("x", 500, "aa")));
        assert!(!baseline.contains("b.txt", &finding("x", 1, "aa")));
        assert!(!baseline.contains("c.txt", &finding("x", 1, "cc")));

        let other = Fingerprinter::new("another key");
        let err = Baseline::parse(&text, &other).unwrap_err();
        assert!(err.contains("fingerprint key"), "{err}");
        assert!(Baseline::parse("{\"findings\": 3}", &fp).is_err());
    }
}
