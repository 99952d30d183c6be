//! Detect stage: finds candidate values in a [`Segment`] and validates them.
//!
//! Detectors are data (TOML files under `detectors/`, embedded at build
//! time, plus `--detectors DIR`); validators are Rust functions they name.

use crate::model::{Category, Match, Segment};
use std::path::Path;

pub mod fields;
mod fingerprint;
pub use fingerprint::{mask, Fingerprinter, DEFAULT_FINGERPRINT_KEY};

/// Description of one loaded detector, for reports (SARIF rules, `--list-detectors`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DetectorInfo {
    pub id: String,
    pub category: Category,
    pub description: String,
}

#[derive(Debug)]
pub struct DetectError(pub String);

impl std::fmt::Display for DetectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DetectError {}

/// The set of loaded detectors. Cheap to share between threads (`&Engine`).
pub struct Engine {
    // SKELETON: replaced by the TOML-driven engine.
    email: regex::Regex,
    infos: Vec<DetectorInfo>,
}

impl Engine {
    /// The built-in detectors only.
    pub fn builtin() -> Result<Engine, DetectError> {
        Ok(Engine {
            email: regex::Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").unwrap(),
            infos: vec![DetectorInfo {
                id: "email".into(),
                category: Category::Email,
                description: "E-mail address".into(),
            }],
        })
    }

    /// Built-ins plus the `*.toml` detectors in `dir` (`--detectors DIR`).
    pub fn with_user_dir(dir: &Path) -> Result<Engine, DetectError> {
        let _ = dir;
        Engine::builtin()
    }

    pub fn detectors(&self) -> &[DetectorInfo] {
        &self.infos
    }

    /// Appends every match that *starts* inside `seg.report` to `out`.
    pub fn scan(&self, seg: &Segment<'_>, out: &mut Vec<Match>) {
        for m in self.email.find_iter(seg.text) {
            if !seg.report.contains(&m.start()) {
                continue;
            }
            let before = &seg.text[..m.start()];
            let line =
                seg.first_line + memchr::memchr_iter(b'\n', before.as_bytes()).count() as u64;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            out.push(Match {
                start: m.start(),
                end: m.end(),
                line,
                column: seg.text[line_start..m.start()].chars().count() as u64 + 1,
                category: Category::Email,
                detector: "email",
                confidence: crate::model::Confidence::High,
                normalized: m.as_str().to_lowercase(),
                test: false,
            });
        }
    }

    /// The category a column, header or key name suggests (`ИИН`, `phone`,
    /// `e-mail`, `fio` …), if any.
    pub fn field_category(&self, name: &str) -> Option<Category> {
        fields::category_for_name(name)
    }
}
