//! The policy file (`tizim.toml`): the operator, its declared purposes, what
//! it promised never to store, and allow rules.
//!
//! ```toml
//! prohibited = ["card"]          # top-level keys come before the first [table]
//!
//! [operator]
//! name = "ТОО «Example»"
//! bin = "140340014652"
//!
//! [[purpose]]
//! id = "orders"
//! title = "Order delivery"
//! categories = ["person_name", "phone", "address"]
//! retention = "3y"               # Ny, Nm, Nd or "none"
//! legal_basis = "consent"
//! locations = ["db/*.sql#orders.*", "srv/app/logs/**"]
//!
//! [allow]
//! paths = ["tests/fixtures/**"]
//! detectors = ["email"]
//! fingerprints = ["0123456789abcdef0123456789abcdef"]
//! ```
//!
//! # Locations
//!
//! A location is `PATH_GLOB` or `PATH_GLOB#FIELD_GLOB`, matched against a
//! finding's path (as reached from the scan argument, e.g.
//! `demo/backups/crm.sql`, `./logs/app.log`, `site.zip!db/dump.sql`) and its
//! field (`table.column`, CSV header, JSON key path):
//!
//! - A leading `./` on the finding path is ignored.
//! - `*`, `?` and `[…]` stay within one path component; `**` spans any
//!   number of them.
//! - A glob matches if it matches the whole path or any trailing run of its
//!   components, so `backups/*.sql` matches `demo/backups/crm.sql` whatever
//!   directory was scanned. `!` (archive member) counts as a component
//!   boundary too, and a glob that matches an archive covers its members.
//! - A glob starting with `/` is anchored: it must match the whole path
//!   (without its leading `./` or `/`).
//! - Without `#FIELD_GLOB` a location covers every field of the file; with
//!   it, only findings with a matching field (case-insensitive). An empty
//!   path part (`#clients.*`) means any file.
//! - A purpose with no locations covers everywhere.

use crate::model::{Category, Finding};
use chrono::NaiveDate;
use globset::{Glob, GlobBuilder, GlobMatcher};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;

pub mod diff;
pub mod import;
mod parse;

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
    /// Empty when the file has no `[operator]` table.
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
    /// means anywhere. See the module documentation for the matching rules.
    pub locations: Vec<String>,
}

/// How long a purpose keeps data: `3y`, `18m`, `90d`, or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// `none`: no limit declared.
    Unlimited,
    /// `Nm`; `Ny` is stored as `12·N` months.
    Months(u32),
    /// `Nd`: calendar days.
    Days(u32),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Allow {
    /// Path globs whose findings are suppressed (same syntax as locations).
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

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parses and validates a policy file's text. Every problem is reported,
/// sorted by line, not just the first.
pub fn parse(text: &str) -> Result<Policy, Vec<PolicyError>> {
    parse::parse(text)
}

/// Like [`parse`], letting through the top-level keys `extra_top_keys`,
/// which the caller reads itself.
pub fn parse_with_extra_keys(
    text: &str,
    extra_top_keys: &'static [&'static str],
) -> Result<Policy, Vec<PolicyError>> {
    parse::parse_with_extra_keys(text, extra_top_keys)
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

impl Policy {
    pub fn purpose(&self, id: &str) -> Option<&Purpose> {
        self.purposes.iter().find(|p| p.id == id)
    }

    pub fn is_prohibited(&self, category: Category) -> bool {
        self.prohibited.contains(&category)
    }

    /// The purposes that declare `category`, with their indices (the indices
    /// [`PolicyMatcher::matches`] takes).
    pub fn declaring(&self, category: Category) -> impl Iterator<Item = (usize, &Purpose)> {
        self.purposes
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.categories.contains(&category))
    }

    /// Compiles every purpose's locations once, for matching many findings.
    pub fn matcher(&self) -> PolicyMatcher {
        PolicyMatcher::new(self)
    }

    /// Things that are valid but probably not meant: `tizim policy check`
    /// prints them as warnings.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.operator.name.is_empty() {
            out.push("no [operator] name: reports will not say whose data this is".to_string());
        }
        if self.purposes.is_empty() {
            out.push("no [[purpose]]: every finding will be undeclared".to_string());
        }
        for p in &self.purposes {
            if p.categories.is_empty() {
                out.push(format!(
                    "purpose {:?} declares no categories: it covers nothing",
                    p.id
                ));
            }
        }
        out
    }
}

impl Purpose {
    /// Whether a finding at `path` (and `field`) is where this purpose says
    /// its data lives. Compiles the globs on every call: for many findings
    /// use [`Policy::matcher`].
    pub fn matches_location(&self, path: &str, field: Option<&str>) -> bool {
        LocationMatcher::new(&self.locations)
            .map(|m| m.is_match(path, field))
            .unwrap_or(false)
    }
}

impl Retention {
    /// Parses `3y`, `18m`, `90d` or `none`.
    pub fn parse(s: &str) -> Result<Retention, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("none") {
            return Ok(Retention::Unlimited);
        }
        let hint =
            "use a whole number and a unit: \"3y\", \"18m\", \"90d\", or \"none\" for no limit";
        let Some(unit) = t.chars().last() else {
            return Err(format!("empty retention: {hint}"));
        };
        let number = &t[..t.len() - unit.len_utf8()];
        let n: u32 = match number.parse() {
            Ok(n) if n > 0 && number.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(format!("bad retention {s:?}: {hint}")),
        };
        match unit.to_ascii_lowercase() {
            'y' => n
                .checked_mul(12)
                .map(Retention::Months)
                .ok_or_else(|| format!("retention {s:?} is too long")),
            'm' => Ok(Retention::Months(n)),
            'd' => Ok(Retention::Days(n)),
            _ => Err(format!("bad retention {s:?}: {hint}")),
        }
    }

    /// The oldest date still inside the retention period: data last modified
    /// before it is past retention. `None` for no limit.
    pub fn cutoff(self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            Retention::Unlimited => None,
            Retention::Months(n) => today.checked_sub_months(chrono::Months::new(n)),
            Retention::Days(n) => today.checked_sub_days(chrono::Days::new(u64::from(n))),
        }
    }

    /// Whether something last modified at `modified` (Unix seconds; its UTC
    /// date counts) is older than this retention allows on `today`.
    pub fn is_past(self, modified: i64, today: NaiveDate) -> bool {
        is_before_cutoff(modified, self.cutoff(today))
    }

    /// The cutoff of the longest of `retentions` (the earliest date), or
    /// `None` when any of them is unlimited or there are none.
    pub fn longest_cutoff(
        retentions: impl IntoIterator<Item = Retention>,
        today: NaiveDate,
    ) -> Option<NaiveDate> {
        let mut earliest: Option<NaiveDate> = None;
        let mut any = false;
        for r in retentions {
            any = true;
            let c = r.cutoff(today)?;
            earliest = Some(earliest.map_or(c, |e| e.min(c)));
        }
        earliest.filter(|_| any)
    }
}

/// Whether `modified` (Unix seconds) falls on a UTC date before `cutoff`.
pub fn is_before_cutoff(modified: i64, cutoff: Option<NaiveDate>) -> bool {
    match (cutoff, chrono::DateTime::from_timestamp(modified, 0)) {
        (Some(c), Some(t)) => t.date_naive() < c,
        _ => false,
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Retention::Unlimited => f.write_str("none"),
            Retention::Months(n) if n % 12 == 0 => write!(f, "{}y", n / 12),
            Retention::Months(n) => write!(f, "{n}m"),
            Retention::Days(n) => write!(f, "{n}d"),
        }
    }
}

/// Serialised the way it is written in the policy file (`"3y"`, `"none"`).
impl Serialize for Retention {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One location glob, split into its path and field parts.
#[derive(Debug, Clone)]
pub(crate) struct LocationGlob {
    path: GlobMatcher,
    anchored: bool,
    field: Option<GlobMatcher>,
}

/// Compiled `locations` of one purpose (or `[allow] paths`).
#[derive(Debug, Clone, Default)]
pub struct LocationMatcher {
    globs: Vec<LocationGlob>,
}

impl LocationMatcher {
    /// Compiles `locations`; the error names the first bad one.
    pub fn new(locations: &[String]) -> Result<LocationMatcher, String> {
        let globs = locations
            .iter()
            .map(|l| compile_location(l))
            .collect::<Result<_, _>>()?;
        Ok(LocationMatcher { globs })
    }

    /// True when there are no locations: the purpose covers everywhere.
    pub fn is_anywhere(&self) -> bool {
        self.globs.is_empty()
    }

    pub fn is_match(&self, path: &str, field: Option<&str>) -> bool {
        self.is_anywhere() || self.matches_any(path, field)
    }

    /// Like [`is_match`](Self::is_match), but an empty list matches nothing
    /// (for allow rules).
    pub fn matches_any(&self, path: &str, field: Option<&str>) -> bool {
        if self.globs.is_empty() {
            return false;
        }
        let path = normalize_path(path);
        let field_lower = field.map(str::to_lowercase);
        self.globs.iter().any(|g| {
            let field_ok = match (&g.field, &field_lower) {
                (None, _) => true,
                (Some(fg), Some(f)) => fg.is_match(f),
                (Some(_), None) => false,
            };
            field_ok
                && if g.anchored {
                    g.path.is_match(path) || archive_prefixes(path).any(|p| g.path.is_match(p))
                } else {
                    path_candidates(path).any(|c| g.path.is_match(c))
                }
        })
    }
}

/// Validates one location glob; the policy checker reports the message.
pub(crate) fn compile_location(location: &str) -> Result<LocationGlob, String> {
    if location.trim().is_empty() {
        return Err("empty location".to_string());
    }
    let (path, field) = match location.split_once('#') {
        Some((p, f)) => {
            if f.is_empty() {
                return Err(format!("location {location:?}: nothing after '#'"));
            }
            (p, Some(f))
        }
        None => (location, None),
    };
    let (anchored, path) = match path.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, path),
    };
    let path = if path.is_empty() { "**" } else { path };
    let path_glob = GlobBuilder::new(path)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("bad glob {location:?}: {}", glob_reason(&e)))?;
    let field = field
        .map(|f| {
            Glob::new(&f.to_lowercase())
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("bad field glob {location:?}: {}", glob_reason(&e)))
        })
        .transpose()?;
    Ok(LocationGlob {
        path: path_glob.compile_matcher(),
        anchored,
        field,
    })
}

fn glob_reason(e: &globset::Error) -> String {
    e.kind().to_string()
}

fn normalize_path(mut path: &str) -> &str {
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    path.trim_start_matches('/')
}

/// `a/b!c/d` → `a/b!c/d`, `b!c/d`, `c/d`, `d`, then the archive `a/b`, `b`.
fn path_candidates(path: &str) -> impl Iterator<Item = &str> {
    suffixes(path).chain(archive_prefixes(path).flat_map(suffixes))
}

/// `p` and every trailing run of its components.
fn suffixes(p: &str) -> impl Iterator<Item = &str> {
    std::iter::once(p).chain(
        p.char_indices()
            .filter(|&(_, c)| c == '/' || c == '!')
            .map(move |(i, _)| &p[i + 1..])
            .filter(|s| !s.is_empty()),
    )
}

/// The archives enclosing an archive member: `a.zip!b.tar!c` → `a.zip`, `a.zip!b.tar`.
fn archive_prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.char_indices()
        .filter(|&(_, c)| c == '!')
        .map(move |(i, _)| &path[..i])
}

/// Every purpose's locations, compiled once. Indices follow `Policy::purposes`.
#[derive(Debug, Clone, Default)]
pub struct PolicyMatcher {
    /// `None` for a purpose whose globs do not compile: it matches nowhere.
    purposes: Vec<Option<LocationMatcher>>,
}

impl PolicyMatcher {
    /// Bad globs are possible only in a policy built by hand ([`parse`]
    /// rejects them); such a purpose matches nowhere rather than everywhere.
    pub fn new(policy: &Policy) -> PolicyMatcher {
        PolicyMatcher {
            purposes: policy
                .purposes
                .iter()
                .map(|p| LocationMatcher::new(&p.locations).ok())
                .collect(),
        }
    }

    /// Whether purpose number `purpose` covers `path`/`field`.
    pub fn matches(&self, purpose: usize, path: &str, field: Option<&str>) -> bool {
        matches!(self.purposes.get(purpose), Some(Some(m)) if m.is_match(path, field))
    }
}

/// `[allow]`, compiled: why a finding is suppressed, if it is.
#[derive(Debug, Clone, Default)]
pub struct AllowMatcher {
    paths: LocationMatcher,
    detectors: HashSet<String>,
    fingerprints: HashSet<String>,
}

impl Allow {
    pub fn matcher(&self) -> AllowMatcher {
        AllowMatcher {
            paths: LocationMatcher::new(&self.paths).unwrap_or_default(),
            detectors: self.detectors.iter().cloned().collect(),
            fingerprints: self
                .fingerprints
                .iter()
                .map(|f| f.to_ascii_lowercase())
                .collect(),
        }
    }
}

impl AllowMatcher {
    /// The allow rule covering `finding` (`"allow.paths"`, `"allow.detectors"`
    /// or `"allow.fingerprints"`), if any.
    pub fn reason(&self, finding: &Finding) -> Option<&'static str> {
        if self.fingerprints.contains(&finding.fingerprint) {
            Some("allow.fingerprints")
        } else if self.detectors.contains(&*finding.detector) {
            Some("allow.detectors")
        } else if self
            .paths
            .matches_any(&finding.path, finding.field.as_deref())
        {
            Some("allow.paths")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(globs: &[&str]) -> LocationMatcher {
        LocationMatcher::new(&globs.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn unix(s: &str) -> i64 {
        date(s).and_hms_opt(12, 0, 0).unwrap().and_utc().timestamp()
    }

    #[test]
    fn empty_locations_match_anywhere() {
        let m = loc(&[]);
        assert!(m.is_match("x/y.sql", Some("t.c")));
        assert!(m.is_match("a.log", None));
        assert!(!m.matches_any("a.log", None));
    }

    #[test]
    fn path_glob_matches_any_trailing_components() {
        let m = loc(&["backups/*.sql"]);
        assert!(m.is_match("demo/backups/crm.sql", None));
        assert!(m.is_match("./backups/crm.sql", None));
        assert!(m.is_match("/var/backups/crm.sql", Some("clients.phone")));
        assert!(!m.is_match("demo/backups/old/crm.sql", None));
        assert!(!m.is_match("demo/backups/crm.sql.gz", None));
        assert!(!m.is_match("demo/mybackups/crm.sql", None));
    }

    #[test]
    fn double_star_spans_directories() {
        let m = loc(&["srv/app/logs/**"]);
        assert!(m.is_match("srv/app/logs/app.log", None));
        assert!(m.is_match("./srv/app/logs/2024/01/app.log", None));
        assert!(m.is_match("/srv/app/logs/app.log", None));
        assert!(!m.is_match("srv/app/other/app.log", None));
    }

    #[test]
    fn star_does_not_cross_slash() {
        let m = loc(&["logs/*.log"]);
        assert!(m.is_match("logs/a.log", None));
        assert!(!m.is_match("logs/2024/a.log", None));
    }

    #[test]
    fn field_part_restricts_to_matching_fields() {
        let m = loc(&["backups/*.sql#clients.*"]);
        assert!(m.is_match("demo/backups/crm.sql", Some("clients.phone")));
        assert!(m.is_match("demo/backups/crm.sql", Some("Clients.Phone")));
        assert!(!m.is_match("demo/backups/crm.sql", Some("orders.phone")));
        assert!(!m.is_match("demo/backups/crm.sql", None));
        assert!(!m.is_match("demo/other/crm.sql", Some("clients.phone")));
    }

    #[test]
    fn empty_path_part_means_any_file() {
        let m = loc(&["#*.email"]);
        assert!(m.is_match("a/b/c.json", Some("customer.email")));
        assert!(!m.is_match("a/b/c.json", Some("customer.phone")));
    }

    #[test]
    fn anchored_glob_matches_whole_path_only() {
        let m = loc(&["/demo/*.log"]);
        assert!(m.is_match("demo/app.log", None));
        assert!(m.is_match("./demo/app.log", None));
        assert!(!m.is_match("x/demo/app.log", None));
    }

    #[test]
    fn archive_members() {
        let m = loc(&["db/*.sql"]);
        assert!(m.is_match("demo/site.zip!db/dump.sql", None));
        let by_name = loc(&["*.sql"]);
        assert!(by_name.is_match("demo/site.zip!dump.sql", None));
        let whole_archive = loc(&["backups/site.zip"]);
        assert!(whole_archive.is_match("demo/backups/site.zip!db/dump.sql", None));
        assert!(whole_archive.is_match("demo/backups/site.zip!a.tar!b.csv", None));
        assert!(!whole_archive.is_match("demo/backups/other.zip!db/dump.sql", None));
    }

    #[test]
    fn bad_globs_are_rejected_with_a_reason() {
        let err = LocationMatcher::new(&["logs/[a.log".to_string()]).unwrap_err();
        assert!(err.contains("logs/[a.log"), "{err}");
        assert!(LocationMatcher::new(&["a.sql#".to_string()]).is_err());
        assert!(LocationMatcher::new(&["  ".to_string()]).is_err());
    }

    #[test]
    fn policy_matcher_follows_purpose_indices() {
        let policy = Policy {
            purposes: vec![
                purpose("crm", &[Category::Phone], &["crm/**"]),
                purpose("logs", &[Category::IpAddress], &[]),
                purpose("broken", &[Category::Email], &["[x"]),
            ],
            ..Policy::default()
        };
        let m = policy.matcher();
        assert!(m.matches(0, "x/crm/a.csv", Some("phone")));
        assert!(!m.matches(0, "x/web/a.csv", None));
        assert!(m.matches(1, "anything", None));
        assert!(
            !m.matches(2, "x", None),
            "a purpose with bad globs matches nowhere"
        );
        assert!(!m.matches(3, "x", None));
        let declaring: Vec<_> = policy.declaring(Category::Phone).map(|(i, _)| i).collect();
        assert_eq!(declaring, vec![0]);
        assert!(policy.purposes[0].matches_location("crm/a.csv", None));
        assert!(!policy.purposes[0].matches_location("web/a.csv", None));
    }

    fn purpose(id: &str, categories: &[Category], locations: &[&str]) -> Purpose {
        Purpose {
            id: id.to_string(),
            title: id.to_string(),
            categories: categories.to_vec(),
            retention: Retention::Unlimited,
            legal_basis: None,
            locations: locations.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn retention_syntax() {
        assert_eq!(Retention::parse("3y"), Ok(Retention::Months(36)));
        assert_eq!(Retention::parse("18m"), Ok(Retention::Months(18)));
        assert_eq!(Retention::parse("90d"), Ok(Retention::Days(90)));
        assert_eq!(Retention::parse("none"), Ok(Retention::Unlimited));
        assert_eq!(Retention::parse("NONE"), Ok(Retention::Unlimited));
        for bad in [
            "", "3", "y", "0y", "-1y", "3 years", "3w", "1.5y", "+3y", "3yy",
        ] {
            assert!(Retention::parse(bad).is_err(), "{bad:?} accepted");
        }
        for s in ["3y", "18m", "90d", "none", "12m"] {
            let shown = Retention::parse(s).unwrap().to_string();
            assert_eq!(Retention::parse(&shown), Retention::parse(s));
        }
        assert_eq!(Retention::Months(12).to_string(), "1y");
        assert_eq!(
            serde_json::to_string(&Retention::Months(18)).unwrap(),
            "\"18m\""
        );
    }

    #[test]
    fn retention_cutoff_and_past() {
        let today = date("2025-03-31");
        assert_eq!(
            Retention::Months(36).cutoff(today),
            Some(date("2022-03-31"))
        );
        // Month arithmetic clamps to the end of a shorter month.
        assert_eq!(Retention::Months(1).cutoff(today), Some(date("2025-02-28")));
        assert_eq!(Retention::Days(90).cutoff(today), Some(date("2024-12-31")));
        assert_eq!(Retention::Unlimited.cutoff(today), None);

        let three_years = Retention::Months(36);
        assert!(three_years.is_past(unix("2022-03-30"), today));
        assert!(!three_years.is_past(unix("2022-03-31"), today));
        assert!(!three_years.is_past(unix("2025-01-01"), today));
        assert!(!Retention::Unlimited.is_past(unix("1990-01-01"), today));
    }

    #[test]
    fn longest_cutoff_takes_the_longest_period() {
        let today = date("2025-06-15");
        let r = [
            Retention::Days(30),
            Retention::Months(36),
            Retention::Months(6),
        ];
        assert_eq!(
            Retention::longest_cutoff(r, today),
            Some(date("2022-06-15"))
        );
        assert_eq!(
            Retention::longest_cutoff([Retention::Months(6), Retention::Unlimited], today),
            None
        );
        assert_eq!(Retention::longest_cutoff([], today), None);
    }

    #[test]
    fn allow_matcher_reasons() {
        let allow = Allow {
            paths: vec!["tests/fixtures/**".into()],
            detectors: vec!["email".into()],
            fingerprints: vec!["ABCDEF0123456789abcdef0123456789".into()],
        };
        let m = allow.matcher();
        let mut f = Finding {
            category: Category::Phone,
            detector: "kz_phone".into(),
            masked: "+7**".into(),
            ..Finding::example("./tests/fixtures/a.csv")
        };
        assert_eq!(m.reason(&f), Some("allow.paths"));
        f.path = "src/a.csv".into();
        assert_eq!(m.reason(&f), None);
        f.detector = "email".into();
        assert_eq!(m.reason(&f), Some("allow.detectors"));
        f.detector = "kz_phone".into();
        f.fingerprint = "abcdef0123456789abcdef0123456789".into();
        assert_eq!(m.reason(&f), Some("allow.fingerprints"));
        assert_eq!(Allow::default().matcher().reason(&f), None);
    }
}
