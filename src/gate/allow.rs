//! Allow rules: the `[allow]` table of the policy file (`tizim.toml`) or of
//! `.tizim.toml` at the scan root (the repository's top level for
//! `--staged` / `--since` / `--git`). Both are read by the policy parser and
//! matched by [`crate::policy::AllowMatcher`], so path globs mean exactly
//! what purpose `locations` mean.
//!
//! ```toml
//! # .tizim.toml: an [allow] table, and the fingerprint key file.
//! # A file holding the key (never the key itself), relative to this
//! # directory or absolute; keep it out of the repository.
//! fingerprint_key_file = "/run/secrets/tizim-key"
//! [allow]
//! # Location globs: `*` stays in one path component, `**` spans several; a
//! # glob matches the whole path or any trailing run of its components
//! # (`fixtures/*.sql` matches `tests/fixtures/a.sql`); a leading `/`
//! # anchors it at the scan root; `PATH#FIELD` narrows it to a column.
//! paths = ["tests/fixtures/**", "/docs/examples/*.md", "seed/*.sql#users.email"]
//! # Detector ids, as `tizim detectors` lists them.
//! detectors = ["ip_address"]
//! # Keyed fingerprints of values (the `fingerprint` of a finding).
//! fingerprints = ["0f1e2d3c4b5a69788796a5b4c3d2e1f0"]
//! ```

use crate::model::Finding;
use crate::policy::{self, Allow, AllowMatcher, LocationMatcher};
use std::path::Path;

/// The file, at the scan root, that holds allow rules apart from a policy.
pub const ALLOW_FILE: &str = ".tizim.toml";

/// The `.tizim.toml` key naming a fingerprint key file.
pub const KEY_FILE_SETTING: &str = "fingerprint_key_file";

/// What `.tizim.toml` holds.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LocalSettings {
    pub allow: Allow,
    /// `fingerprint_key_file`, resolved against the file's directory.
    pub fingerprint_key_file: Option<std::path::PathBuf>,
}

/// Parses the text of a `.tizim.toml` found in `dir`: an `[allow]` table and
/// `fingerprint_key_file`, nothing else. Errors name the line.
pub fn parse_local_settings(text: &str, dir: &Path) -> Result<LocalSettings, String> {
    let allow = parse_allow_table(text)?;
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let fingerprint_key_file = match table.get(KEY_FILE_SETTING) {
        None => None,
        Some(toml::Value::String(p)) if !p.trim().is_empty() => Some(dir.join(p.trim())),
        Some(_) => {
            return Err(format!(
                "{KEY_FILE_SETTING} must be the path of a file holding the key (a string)"
            ))
        }
    };
    Ok(LocalSettings {
        allow,
        fingerprint_key_file,
    })
}

/// Parses the text of a `.tizim.toml` for its `[allow]` table.
pub fn parse_allow_file(text: &str) -> Result<Allow, String> {
    parse_allow_table(text)
}

fn parse_allow_table(text: &str) -> Result<Allow, String> {
    let parsed = policy::parse_with_extra_keys(text, &[KEY_FILE_SETTING]).map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if !parsed.purposes.is_empty()
        || !parsed.prohibited.is_empty()
        || parsed.operator != policy::Operator::default()
    {
        return Err(format!(
            "{ALLOW_FILE} holds only an [allow] table and {KEY_FILE_SETTING}; purposes, prohibited categories and \
             the operator belong in the policy file (tizim.toml)"
        ));
    }
    Ok(parsed.allow)
}

/// Reads `.tizim.toml` from `dir`, if there is one.
pub fn load_local_settings(dir: &Path) -> Result<Option<LocalSettings>, String> {
    let path = dir.join(ALLOW_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_local_settings(&text, dir)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// The union of several `[allow]` tables, compiled.
#[derive(Debug, Default)]
pub struct AllowRules {
    merged: Allow,
    matcher: AllowMatcher,
}

impl AllowRules {
    pub fn compile<'a>(tables: impl IntoIterator<Item = &'a Allow>) -> Result<AllowRules, String> {
        let mut merged = Allow::default();
        for table in tables {
            merged.paths.extend(table.paths.iter().cloned());
            merged
                .detectors
                .extend(table.detectors.iter().map(|d| d.trim().to_string()));
            merged.fingerprints.extend(
                table
                    .fingerprints
                    .iter()
                    .map(|f| f.trim().to_ascii_lowercase()),
            );
        }
        // The policy parser has checked these already; a table built by hand
        // has not, and a rule that silently allows nothing helps nobody.
        LocationMatcher::new(&merged.paths).map_err(|e| format!("[allow] paths: {e}"))?;
        for fp in &merged.fingerprints {
            if fp.len() != 32 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "[allow] fingerprints: {fp:?} is not 32 hex digits (copy the `fingerprint` of a finding)"
                ));
            }
        }
        let matcher = merged.matcher();
        Ok(AllowRules { merged, matcher })
    }

    pub fn is_empty(&self) -> bool {
        self.merged == Allow::default()
    }

    /// Detector ids in the rules that no loaded detector has: almost
    /// certainly typos, which would silently allow nothing.
    pub fn unknown_detectors<'a>(&'a self, known: &[&str]) -> Vec<&'a str> {
        let mut unknown: Vec<&str> = self
            .merged
            .detectors
            .iter()
            .map(String::as_str)
            .filter(|d| !known.contains(d))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        unknown
    }

    /// Why `finding` is allowed (`allow.paths`, `allow.detectors`,
    /// `allow.fingerprints`), if it is. `relative` is its path relative to
    /// the scan root, against which anchored (`/…`) globs are matched.
    pub fn reason(&self, relative: &str, finding: &Finding) -> Option<&'static str> {
        if self.is_empty() {
            return None;
        }
        if relative == &*finding.path || self.merged.paths.is_empty() {
            return self.matcher.reason(finding);
        }
        let mut rooted = finding.clone();
        rooted.path = relative.into();
        self.matcher.reason(&rooted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, detector: &str, fingerprint: &str) -> Finding {
        Finding {
            detector: detector.to_string().into(),
            fingerprint: fingerprint.into(),
            ..Finding::example(path)
        }
    }

    #[test]
    fn parses_and_matches() {
        let allow = parse_allow_file(
            r#"
[allow]
paths = ["tests/fixtures/**", "*.example.sql", "/top.txt"]
detectors = ["ip_address"]
fingerprints = ["0F1E2D3C4B5A69788796A5B4C3D2E1F0"]
"#,
        )
        .unwrap();
        let rules = AllowRules::compile([&allow]).unwrap();
        let other = "ffffffffffffffffffffffffffffffff";
        for (relative, full) in [
            ("tests/fixtures/a/b.csv", "repo/tests/fixtures/a/b.csv"),
            ("x/users.example.sql", "./x/users.example.sql"),
            ("top.txt", "repo/top.txt"),
            (
                "tests/fixtures/dump.zip!inner.csv",
                "tests/fixtures/dump.zip!inner.csv",
            ),
        ] {
            let f = finding(full, "email", other);
            assert_eq!(rules.reason(relative, &f), Some("allow.paths"), "{full}");
        }
        for (relative, full) in [
            ("users.sql", "users.sql"),
            ("sub/top.txt", "repo/sub/top.txt"),
        ] {
            let f = finding(full, "email", other);
            assert_eq!(rules.reason(relative, &f), None, "{full}");
        }
        assert_eq!(
            rules.reason("a", &finding("a", "ip_address", other)),
            Some("allow.detectors")
        );
        assert_eq!(
            rules.reason(
                "a",
                &finding("a", "email", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
            ),
            Some("allow.fingerprints")
        );
        assert_eq!(rules.unknown_detectors(&["email"]), vec!["ip_address"]);
    }

    #[test]
    fn errors_name_the_line_and_the_file_holds_only_allow() {
        let err = parse_allow_file("[allow]\npaths = [\"a\"]\ndetector = [\"x\"]\n").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
        let err = parse_allow_file("[operator]\nname = \"x\"\n").unwrap_err();
        assert!(err.contains("only an [allow] table"), "{err}");
        let bad = Allow {
            fingerprints: vec!["abc".into()],
            ..Allow::default()
        };
        assert!(AllowRules::compile([&bad]).unwrap_err().contains("32 hex"));
    }

    #[test]
    fn the_key_file_setting_is_a_path_relative_to_the_file() {
        let dir = Path::new("/repo");
        let settings = parse_local_settings(
            "fingerprint_key_file = \"../secrets/tizim.key\"\n[allow]\ndetectors = [\"email\"]\n",
            dir,
        )
        .unwrap();
        assert_eq!(
            settings.fingerprint_key_file.as_deref(),
            Some(Path::new("/repo/../secrets/tizim.key"))
        );
        assert_eq!(settings.allow.detectors, vec!["email".to_string()]);
        let absolute = parse_local_settings("fingerprint_key_file = \"/k\"\n", dir).unwrap();
        assert_eq!(
            absolute.fingerprint_key_file.as_deref(),
            Some(Path::new("/k"))
        );
        let err = parse_local_settings("fingerprint_key_file = 3\n", dir).unwrap_err();
        assert!(err.contains("a string"), "{err}");
        // Not the key itself, and nowhere but .tizim.toml.
        assert!(parse_local_settings("fingerprint_key = \"x\"\n", dir).is_err());
        assert!(crate::policy::parse("fingerprint_key_file = \"k\"\n").is_err());
    }
}
