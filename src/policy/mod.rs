//! The policy file (`tizim.toml`): the operator, its declared purposes, what
//! it promised never to store, and allow rules.

use crate::model::Category;
use serde::Serialize;
use std::path::Path;

pub mod import;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Policy {
    pub operator: Operator,
    pub purposes: Vec<Purpose>,
    /// Categories the policy promises are never stored.
    pub prohibited: Vec<Category>,
    /// `[allow]`: suppressions for the CI gate.
    pub allow: Allow,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Operator {
    pub name: String,
    pub bin: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Purpose {
    pub id: String,
    pub title: String,
    pub categories: Vec<Category>,
    pub retention: Retention,
    pub legal_basis: Option<String>,
    /// Globs over `path` or `path#field` (`backups/*.sql#clients.*`); empty
    /// means anywhere.
    pub locations: Vec<String>,
}

/// How long a purpose keeps data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    /// `none`: no limit declared.
    Unlimited,
    Months(u32),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Allow {
    /// Path globs whose findings are suppressed.
    pub paths: Vec<String>,
    /// Detector ids whose findings are suppressed.
    pub detectors: Vec<String>,
    /// Keyed fingerprints of values that are allowed.
    pub fingerprints: Vec<String>,
}

/// A problem in a policy file, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parses and validates a policy file's text.
pub fn parse(text: &str) -> Result<Policy, Vec<PolicyError>> {
    // SKELETON
    let _ = text;
    Ok(Policy::default())
}

/// Reads and validates a policy file.
pub fn load(path: &Path) -> Result<Policy, Vec<PolicyError>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![PolicyError {
            line: None,
            message: format!("{}: {e}", path.display()),
        }]
    })?;
    parse(&text)
}
