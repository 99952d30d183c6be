//! Baselines: the findings a team has accepted, so that only new ones fail.
//!
//! No line numbers (so inserting lines above a finding, or editing the file
//! around it, keeps it baselined), no commit ids, no raw values. What
//! identifies an entry depends on the fingerprint key (see SECURITY.md):
//!
//! - `"identity": "fingerprint"`, made with a shared key (flag, environment
//!   or key file): the keyed fingerprint of the value, the path relative to
//!   the scan root and the detector. The same value in the same file by the
//!   same detector is one entry, wherever and however often it appears.
//!   `key_id` names the key: a baseline read with another key (or with
//!   none configured) would match nothing, and is refused instead.
//! - `"identity": "location"`, made without a shared key: the path, the
//!   field, the detector and the occurrence (1 for the first finding of
//!   that detector in that path and field, in scan order). Nothing in it
//!   derives from a value or a key (`key_id` is null), so any run can use
//!   it; a new value above an old one of the same detector and field shifts
//!   the occurrences after it, and then reads as the old one.
//!
//! ```json
//! {
//!   "tizim_baseline": 2,
//!   "identity": "fingerprint",
//!   "key_id": "3f9c0a7d5e2b4c61",
//!   "findings": [
//!     { "path": "tests/fixtures/users.sql", "detector": "email",
//!       "category": "email", "fingerprint": "…" }
//!   ]
//! }
//! ```

use crate::detect::{hex, FingerprintKey};
use crate::model::{Category, Finding};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

/// Current format version.
pub const BASELINE_VERSION: u32 = 2;

/// What identifies a finding across runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// The keyed fingerprint of the value (a shared key).
    Fingerprint,
    /// Path, field, detector and occurrence: no value, no key.
    Location,
}

impl Identity {
    /// Fingerprints identify findings across runs and machines only when the
    /// key is shared; an installation key is this machine's alone.
    pub fn for_key(key: &FingerprintKey) -> Identity {
        if key.is_shared() {
            Identity::Fingerprint
        } else {
            Identity::Location
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Identity::Fingerprint => "fingerprint",
            Identity::Location => "location",
        }
    }
}

/// A value-free identity for SARIF `partialFingerprints`: a BLAKE3 hash
/// (domain-separated, unkeyed) of path, field, detector and occurrence.
pub fn location_identity(
    path: &str,
    field: Option<&str>,
    detector: &str,
    occurrence: u32,
) -> String {
    let mut h = blake3::Hasher::new_derive_key("tizim location identity v1");
    for part in [Some(path), field, Some(detector)] {
        match part {
            Some(s) => {
                h.update(&[1]);
                h.update(&(s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            None => {
                h.update(&[0]);
            }
        }
    }
    h.update(&occurrence.to_le_bytes());
    hex(&h.finalize().as_bytes()[..16])
}

/// Counts findings per (path, field, detector) in the order they come, to
/// give each its occurrence number (1-based). Findings of one file arrive
/// in order from one thread, so the numbers are the same run after run.
#[derive(Debug, Default)]
pub struct Occurrences(Mutex<HashMap<OccurrenceKey, u32>>);

/// Path, field, detector.
type OccurrenceKey = (String, Option<String>, String);

impl Occurrences {
    pub fn next(&self, path: &str, field: Option<&str>, detector: &str) -> u32 {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts
            .entry((
                path.to_string(),
                field.map(str::to_string),
                detector.to_string(),
            ))
            .or_default();
        *n += 1;
        *n
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub path: String,
    pub detector: String,
    /// For people reading the file; not used for matching.
    pub category: Category,
    /// Location identity only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Location identity only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<u32>,
    /// Fingerprint identity only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    tizim_baseline: u32,
    identity: Identity,
    key_id: Option<String>,
    findings: Vec<BaselineEntry>,
}

/// Just enough of any version's file to say which version it is.
#[derive(Deserialize)]
struct VersionOnly {
    tizim_baseline: u32,
}

/// An entry as matched: path, detector, and the fingerprint or the field
/// and occurrence.
type EntryKey = (String, String, Option<String>, Option<u32>, Option<String>);

#[derive(Debug)]
pub struct Baseline {
    identity: Identity,
    entries: HashSet<EntryKey>,
    /// Occurrences of the findings looked up so far (location identity).
    seen: Occurrences,
}

impl Baseline {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn identity(&self) -> Identity {
        self.identity
    }

    /// Whether `finding`, at `relative` (its path relative to the scan
    /// root), is in the baseline. With location identity each call counts
    /// an occurrence: call it once per finding, in scan order, for the
    /// findings that neither `tizim:allow` nor an allow rule suppressed
    /// (those are the ones [`BaselineBuilder::add`] counts).
    pub fn contains(&self, relative: &str, finding: &Finding) -> bool {
        let key = match self.identity {
            Identity::Fingerprint => (
                relative.to_string(),
                finding.detector.to_string(),
                None,
                None,
                Some(finding.fingerprint.clone()),
            ),
            Identity::Location => {
                let field = finding.field.as_deref();
                let occurrence = self.seen.next(relative, field, &finding.detector);
                (
                    relative.to_string(),
                    finding.detector.to_string(),
                    field.map(str::to_string),
                    Some(occurrence),
                    None,
                )
            }
        };
        self.entries.contains(&key)
    }

    /// Parses a baseline file's text. `key` must be the key the scan uses.
    pub fn parse(text: &str, key: &FingerprintKey) -> Result<Baseline, String> {
        let not_a_baseline = |e: serde_json::Error| {
            format!(
                "not a tizim baseline (line {}, column {}): {e}",
                e.line(),
                e.column()
            )
        };
        let version: VersionOnly = serde_json::from_str(text).map_err(not_a_baseline)?;
        match version.tizim_baseline {
            BASELINE_VERSION => {}
            1 => {
                return Err(
                    "baseline format 1 (made by an older tizim, whose default fingerprint key was \
                     published) is no longer read: create it anew with `tizim baseline create`"
                        .to_string(),
                )
            }
            other => {
                return Err(format!(
                    "baseline format {other} is not supported (this tizim reads {BASELINE_VERSION})"
                ))
            }
        }
        let file: BaselineFile = serde_json::from_str(text).map_err(not_a_baseline)?;
        if file.identity == Identity::Fingerprint {
            let made_with = file.key_id.as_deref().unwrap_or("(none)");
            if !key.is_shared() {
                return Err(format!(
                    "the baseline holds value fingerprints made with fingerprint key {made_with}, \
                     but this run has no key configured (it uses the {} key {}): give the same \
                     key (--fingerprint-key-file, TIZIM_FINGERPRINT_KEY_FILE or fingerprint_key_file \
                     in .tizim.toml), or create the baseline anew",
                    key.scope().id(),
                    key.id()
                ));
            }
            if made_with != key.id_str() {
                return Err(format!(
                    "the baseline was made with fingerprint key {made_with}, but this run uses \
                     key {}: use the same key (--fingerprint-key-file / --fingerprint-key), or \
                     create the baseline anew",
                    key.id()
                ));
            }
        }
        let mut entries = HashSet::with_capacity(file.findings.len());
        for e in file.findings {
            let complete = match file.identity {
                Identity::Fingerprint => e.fingerprint.is_some(),
                Identity::Location => e.occurrence.is_some() && e.fingerprint.is_none(),
            };
            if !complete {
                return Err(format!(
                    "entry for {} ({}) does not fit the baseline's identity `{}`",
                    e.path,
                    e.detector,
                    file.identity.id()
                ));
            }
            entries.insert((e.path, e.detector, e.field, e.occurrence, e.fingerprint));
        }
        Ok(Baseline {
            identity: file.identity,
            entries,
            seen: Occurrences::default(),
        })
    }

    pub fn load(path: &Path, key: &FingerprintKey) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Baseline::parse(&text, key).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Collects baseline entries from findings as they arrive.
#[derive(Debug)]
pub struct BaselineBuilder {
    identity: Identity,
    entries: BTreeSet<BaselineEntry>,
    seen: Occurrences,
}

impl BaselineBuilder {
    pub fn new(identity: Identity) -> Self {
        BaselineBuilder {
            identity,
            entries: BTreeSet::new(),
            seen: Occurrences::default(),
        }
    }

    /// Records `finding` at `relative` (its path relative to the scan root).
    /// Findings that are already suppressed, or are test values, never fail a
    /// gate and are left out (test values still count as occurrences, as
    /// they do when the baseline is checked).
    pub fn add(&mut self, relative: &str, finding: &Finding) {
        if finding.suppressed.is_some() {
            return;
        }
        let field = finding.field.as_deref();
        let occurrence = match self.identity {
            Identity::Location => Some(self.seen.next(relative, field, &finding.detector)),
            Identity::Fingerprint => None,
        };
        if finding.test {
            return;
        }
        let (field, fingerprint) = match self.identity {
            Identity::Location => (field.map(str::to_string), None),
            Identity::Fingerprint => (None, Some(finding.fingerprint.clone())),
        };
        self.entries.insert(BaselineEntry {
            path: relative.to_string(),
            detector: finding.detector.to_string(),
            category: finding.category,
            field,
            occurrence,
            fingerprint,
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the baseline as pretty JSON, entries sorted, so that it diffs
    /// well under version control. `key` is the key the findings were
    /// fingerprinted with; its id is recorded only when the entries depend
    /// on it.
    pub fn write(self, key: &FingerprintKey, w: &mut dyn Write) -> io::Result<()> {
        let file = BaselineFile {
            tizim_baseline: BASELINE_VERSION,
            identity: self.identity,
            key_id: (self.identity == Identity::Fingerprint).then(|| key.id()),
            findings: self.entries.into_iter().collect(),
        };
        serde_json::to_writer_pretty(&mut *w, &file)?;
        w.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::KeyScope;

    fn finding(path: &str, line: u64, fingerprint: &str) -> Finding {
        Finding {
            line,
            column: 3,
            fingerprint: fingerprint.into(),
            ..Finding::example(path)
        }
    }

    fn shared(secret: &str) -> FingerprintKey {
        FingerprintKey::from_secret(secret.as_bytes(), KeyScope::Shared)
    }

    fn written(b: BaselineBuilder, key: &FingerprintKey) -> String {
        let mut out = Vec::new();
        b.write(key, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fingerprint_baselines_ignore_lines_and_check_the_key() {
        let key = shared("a shared key of some length");
        let mut b = BaselineBuilder::new(Identity::for_key(&key));
        b.add("a.txt", &finding("./a.txt", 3, "aa"));
        b.add("a.txt", &finding("./a.txt", 9, "aa"));
        b.add("b.txt", &finding("b.txt", 1, "bb"));
        let mut test_value = finding("c.txt", 1, "cc");
        test_value.test = true;
        b.add("c.txt", &test_value);
        assert_eq!(b.len(), 2);
        let text = written(b, &key);
        assert!(!text.contains("\"line\""), "{text}");
        assert!(
            text.contains(&format!("\"key_id\": \"{}\"", key.id())),
            "{text}"
        );

        let baseline = Baseline::parse(&text, &key).unwrap();
        assert!(baseline.contains("a.txt", &finding("x", 500, "aa")));
        assert!(!baseline.contains("b.txt", &finding("x", 1, "aa")));
        assert!(!baseline.contains("c.txt", &finding("x", 1, "cc")));

        let err = Baseline::parse(&text, &shared("another shared key, also long")).unwrap_err();
        assert!(
            err.contains(&key.id()) && err.contains("fingerprint key"),
            "{err}"
        );
        let installation = FingerprintKey::from_secret(&[9; 32], KeyScope::Installation);
        let err = Baseline::parse(&text, &installation).unwrap_err();
        assert!(err.contains("no key configured"), "{err}");
        assert!(Baseline::parse("{\"findings\": 3}", &key).is_err());
        let err = Baseline::parse(
            "{\"tizim_baseline\": 1, \"key_check\": \"x\", \"findings\": []}",
            &key,
        )
        .unwrap_err();
        assert!(err.contains("anew"), "{err}");
    }

    #[test]
    fn location_baselines_hold_no_fingerprint_and_fit_any_key() {
        let key = FingerprintKey::from_secret(&[1; 32], KeyScope::Installation);
        let mut b = BaselineBuilder::new(Identity::for_key(&key));
        b.add("a.txt", &finding("a.txt", 3, "aa"));
        b.add("a.txt", &finding("a.txt", 9, "bb"));
        let text = written(b, &key);
        assert!(
            !text.contains("\"fingerprint\"") && !text.contains("aa"),
            "{text}"
        );
        assert!(text.contains("\"key_id\": null"), "{text}");
        let elsewhere = FingerprintKey::from_secret(&[2; 32], KeyScope::Installation);
        let baseline = Baseline::parse(&text, &elsewhere).unwrap();
        // The first two email findings of a.txt, whatever their values and
        // lines; the third is new.
        assert!(baseline.contains("a.txt", &finding("a.txt", 40, "zz")));
        assert!(baseline.contains("a.txt", &finding("a.txt", 41, "yy")));
        assert!(!baseline.contains("a.txt", &finding("a.txt", 42, "aa")));
        assert!(!baseline.contains("b.txt", &finding("b.txt", 1, "aa")));
    }

    #[test]
    fn location_identities_depend_on_every_part() {
        let base = location_identity("a.sql", Some("t.iin"), "kz-iin", 1);
        assert_eq!(base.len(), 32);
        for other in [
            location_identity("b.sql", Some("t.iin"), "kz-iin", 1),
            location_identity("a.sql", None, "kz-iin", 1),
            location_identity("a.sql", Some("t.iin"), "kz-bin", 1),
            location_identity("a.sql", Some("t.iin"), "kz-iin", 2),
        ] {
            assert_ne!(base, other);
        }
        assert_eq!(base, location_identity("a.sql", Some("t.iin"), "kz-iin", 1));
    }
}
