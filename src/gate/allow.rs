//! Allow rules: the `[allow]` table of `tizim.toml` (parsed with the policy)
//! or of `.tizim.toml` at the scan root (parsed here).
//!
//! ```toml
//! [allow]
//! # Globs over paths relative to the scan root (or the repository root for
//! # --staged / --since / --git). `*` stays inside a directory, `**` crosses
//! # directories; a glob without `/` matches a file name at any depth; a
//! # trailing `/` allows everything below a directory.
//! paths = ["tests/fixtures/**", "*.example.sql", "docs/"]
//! # Detector ids, as `tizim detectors` lists them.
//! detectors = ["ip_address"]
//! # Keyed fingerprints of values (the `fingerprint` field of a finding).
//! fingerprints = ["0f1e2d3c4b5a69788796a5b4c3d2e1f0"]
//! ```

use crate::model::Finding;
use crate::policy::Allow;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// The file, at the scan root, that holds allow rules when there is no policy
/// (or when they should live apart from it).
pub const ALLOW_FILE: &str = ".tizim.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowFile {
    #[serde(default)]
    allow: AllowTable,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AllowTable {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    detectors: Vec<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
}

/// Parses the text of a `.tizim.toml`: an `[allow]` table and nothing else.
/// Errors name the line.
pub fn parse_allow_file(text: &str) -> Result<Allow, String> {
    let file: AllowFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim().to_string();
        match line {
            Some(l) => format!("line {l}: {message}"),
            None => message,
        }
    })?;
    Ok(Allow {
        paths: file.allow.paths,
        detectors: file.allow.detectors,
        fingerprints: file.allow.fingerprints,
    })
}

/// Reads `.tizim.toml` from `dir`, if there is one.
pub fn load_allow_file(dir: &Path) -> Result<Option<Allow>, String> {
    let path = dir.join(ALLOW_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_allow_file(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Compiled allow rules.
#[derive(Debug, Default)]
pub struct AllowRules {
    paths: Option<GlobSet>,
    detectors: HashSet<String>,
    fingerprints: HashSet<String>,
}

impl AllowRules {
    /// Compiles the union of several `[allow]` tables.
    pub fn compile<'a>(tables: impl IntoIterator<Item = &'a Allow>) -> Result<AllowRules, String> {
        let mut globs = GlobSetBuilder::new();
        let mut any_glob = false;
        let mut rules = AllowRules::default();
        for table in tables {
            for pattern in &table.paths {
                globs.add(compile_glob(pattern)?);
                any_glob = true;
            }
            rules
                .detectors
                .extend(table.detectors.iter().map(|d| d.trim().to_string()));
            for fp in &table.fingerprints {
                let fp = fp.trim().to_ascii_lowercase();
                if fp.len() != 32 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!(
                        "allow: fingerprint {fp:?} is not 32 hex digits (copy the `fingerprint` of a finding)"
                    ));
                }
                rules.fingerprints.insert(fp);
            }
        }
        if any_glob {
            rules.paths = Some(globs.build().map_err(|e| format!("allow: paths: {e}"))?);
        }
        Ok(rules)
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_none() && self.detectors.is_empty() && self.fingerprints.is_empty()
    }

    /// Detector ids in the rules that no loaded detector has: almost
    /// certainly typos, which would silently allow nothing.
    pub fn unknown_detectors<'a>(&'a self, known: &[&str]) -> Vec<&'a str> {
        let mut unknown: Vec<&str> = self
            .detectors
            .iter()
            .map(String::as_str)
            .filter(|d| !known.contains(d))
            .collect();
        unknown.sort_unstable();
        unknown
    }

    /// Why `finding` (at `relative`, its path relative to the scan root) is
    /// allowed, if it is.
    pub fn reason(&self, relative: &str, finding: &Finding) -> Option<&'static str> {
        if let Some(globs) = &self.paths {
            // An archive member is allowed when its archive is.
            let outer = relative.split('!').next().unwrap_or(relative);
            if globs.is_match(relative) || globs.is_match(outer) {
                return Some("allow:path");
            }
        }
        if self.detectors.contains(&finding.detector) {
            return Some("allow:detector");
        }
        if self.fingerprints.contains(&finding.fingerprint) {
            return Some("allow:fingerprint");
        }
        None
    }
}

/// Gitignore-like reading of a path glob (see the module docs).
fn compile_glob(pattern: &str) -> Result<Glob, String> {
    let trimmed = pattern.trim();
    let mut p = trimmed.trim_start_matches("./").to_string();
    if p.is_empty() {
        return Err("allow: empty path glob".to_string());
    }
    if p.ends_with('/') {
        p.push_str("**");
    }
    if let Some(anchored) = p.strip_prefix('/') {
        p = anchored.to_string();
    } else if !p.contains('/') {
        p = format!("**/{p}");
    }
    GlobBuilder::new(&p)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("allow: path glob {trimmed:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Confidence, Evidence};

    fn finding(detector: &str, fingerprint: &str) -> Finding {
        Finding {
            path: String::new(),
            line: 1,
            column: 1,
            category: Category::Email,
            detector: detector.into(),
            confidence: Confidence::High,
            field: None,
            masked: String::new(),
            fingerprint: fingerprint.into(),
            evidence: Evidence::Value,
            test: false,
            suppressed: None,
            modified: None,
            commit: None,
            author_date: None,
            value: None,
        }
    }

    #[test]
    fn parses_and_matches() {
        let allow = parse_allow_file(
            r#"
[allow]
paths = ["tests/fixtures/**", "*.example.sql", "docs/", "/top.txt"]
detectors = ["ip_address"]
fingerprints = ["0F1E2D3C4B5A69788796A5B4C3D2E1F0"]
"#,
        )
        .unwrap();
        let rules = AllowRules::compile([&allow]).unwrap();
        let f = finding("email", "ffffffffffffffffffffffffffffffff");
        for allowed in [
            "tests/fixtures/a/b.csv",
            "x/y/users.example.sql",
            "users.example.sql",
            "docs/deep/readme.md",
            "top.txt",
            "tests/fixtures/dump.zip!inner.csv",
        ] {
            assert_eq!(rules.reason(allowed, &f), Some("allow:path"), "{allowed}");
        }
        for denied in [
            "src/tests/fixtures/a.csv",
            "users.sql",
            "sub/top.txt",
            "docsx/a",
        ] {
            assert_eq!(rules.reason(denied, &f), None, "{denied}");
        }
        assert_eq!(
            rules.reason("a", &finding("ip_address", "00")),
            Some("allow:detector")
        );
        assert_eq!(
            rules.reason("a", &finding("email", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")),
            Some("allow:fingerprint")
        );
        assert_eq!(rules.unknown_detectors(&["email"]), vec!["ip_address"]);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_allow_file("[allow]\npaths = [\"a\"]\ndetector = [\"x\"]\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        let err = parse_allow_file("[purposes]\n").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
        let bad = parse_allow_file("[allow]\nfingerprints = [\"abc\"]\n").unwrap();
        assert!(AllowRules::compile([&bad]).unwrap_err().contains("32 hex"));
    }
}
