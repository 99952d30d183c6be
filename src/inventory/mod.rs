//! Inventory stage: one row per (location, category), mapped against the
//! policy's declared purposes.
//!
//! Built incrementally ([`InventoryBuilder::add`]) so that a streaming scan
//! (`--format ndjson`) never has to hold every finding in memory: a row keeps
//! counters and a set of 128-bit fingerprints, not findings.

use crate::model::{Category, Confidence, Evidence, Finding, SubjectTraits, TableRead};
use crate::policy::{is_before_cutoff, Policy, PolicyMatcher, Retention};
use chrono::{DateTime, NaiveDate};
use serde::Serialize;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

pub mod subjects;

/// How a row stands against the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Some purpose declares the category and, if it lists locations, one
    /// of them matches.
    Declared,
    /// No purpose declares the category.
    Undeclared,
    /// Declared, but this location matches none of the declaring purposes'
    /// locations.
    OutOfPlace,
    /// The policy promised never to store it. Wins over everything.
    Prohibited,
    /// The file (or archive member) is older than the longest retention of
    /// the purposes covering it.
    PastRetention,
}

impl Status {
    /// Most to least urgent: the order reports list them in.
    pub const ALL: [Status; 5] = [
        Status::Prohibited,
        Status::Undeclared,
        Status::OutOfPlace,
        Status::PastRetention,
        Status::Declared,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Status::Declared => "declared",
            Status::Undeclared => "undeclared",
            Status::OutOfPlace => "out-of-place",
            Status::Prohibited => "prohibited",
            Status::PastRetention => "past-retention",
        }
    }

    /// One line for legends and the README.
    pub fn describe(self) -> &'static str {
        match self {
            Status::Declared => "a purpose declares this category here",
            Status::Undeclared => "no purpose declares this category",
            Status::OutOfPlace => "declared, but not for this location",
            Status::Prohibited => "the policy promises this is never stored",
            Status::PastRetention => "older than the longest retention of its purposes",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryRow {
    /// `path`, or `path#field` for structured sources.
    pub location: String,
    pub path: String,
    pub field: Option<String>,
    pub category: Category,
    /// Findings (occurrences).
    pub count: u64,
    /// Distinct values, by keyed fingerprint. Column-name evidence carries no
    /// value, so a row of only that has `count` 1 and `distinct` 0.
    pub distinct: u64,
    pub first_line: u64,
    pub last_line: u64,
    /// The highest confidence among the findings.
    pub confidence: Confidence,
    /// What the row rests on: validated values, a column name, or derivation
    /// (a birth date from IINs).
    pub evidence: Vec<Evidence>,
    pub status: Status,
    /// Purposes covering this location (for `out-of-place`: the purposes that
    /// declare the category elsewhere).
    pub purposes: Vec<String>,
    /// Up to three distinct masked values, never raw ones.
    pub examples: Vec<String>,
    /// Oldest modification date (UTC, `YYYY-MM-DD`) among the files and
    /// members behind the row; what retention is judged on.
    pub modified: Option<String>,
    /// Why the row has its status, in words.
    pub note: String,
    /// A database location read in part: the counts above are the sample's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<Sample>,
}

/// How much of a database table a row's counts rest on, and what they come
/// to for the whole table. Estimates, shown as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Only a sample of the rows was read.
    pub sampled: bool,
    pub rows_sampled: u64,
    /// Rows the table holds (counted, or the server's estimate).
    pub rows_estimated: u64,
    /// `count` scaled to the whole table (equal to `count` when it was read
    /// whole).
    pub estimated_count: u64,
    /// Rows read whose row time is before the retention cutoff, when the
    /// table has a row-time column and the row is past retention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_past_retention: Option<u64>,
}

/// Rows and findings in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: Status,
    pub rows: u64,
    pub findings: u64,
}

/// What was found for one declared purpose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PurposeCoverage {
    pub id: String,
    pub title: String,
    pub categories: Vec<Category>,
    /// `3y`, `18m`, `none`.
    pub retention: String,
    pub legal_basis: Option<String>,
    pub locations: Vec<String>,
    /// Declared categories found in a location this purpose covers.
    pub seen: Vec<Category>,
    /// Declared but never seen where this purpose applies (declared-but-unseen).
    pub unseen: Vec<Category>,
    /// Rows this purpose covers, and their findings.
    pub rows: u64,
    pub findings: u64,
}

/// The people behind the IINs found, counted by distinct fingerprint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Subjects {
    /// Distinct IINs, i.e. people. (Not named after IINs: tizim reads a
    /// field called that as an IIN column, in its own reports too.)
    pub people: u64,
    /// Of those, under 18 on the day of the scan: their data needs a parent's
    /// or guardian's consent.
    pub minors: u64,
    pub female: u64,
    pub male: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inventory {
    /// The day statuses were judged on (`YYYY-MM-DD`).
    pub as_of: String,
    pub rows: Vec<InventoryRow>,
    /// One entry per purpose of the policy, in policy order.
    pub purposes: Vec<PurposeCoverage>,
    /// One entry per status, most urgent first.
    pub statuses: Vec<StatusCount>,
    pub subjects: Subjects,
    /// Well-known test values (sandbox cards and the like) left out of the rows.
    pub test_values: u64,
}

impl Inventory {
    pub fn status_count(&self, status: Status) -> StatusCount {
        self.statuses
            .iter()
            .copied()
            .find(|s| s.status == status)
            .unwrap_or(StatusCount {
                status,
                rows: 0,
                findings: 0,
            })
    }

    /// Purposes with declared categories never seen.
    pub fn unseen(&self) -> impl Iterator<Item = &PurposeCoverage> {
        self.purposes.iter().filter(|p| !p.unseen.is_empty())
    }
}

/// How one location and category stand under the policy.
struct Placement {
    status: Status,
    /// Indices into `policy.purposes` declaring the category.
    declaring: Vec<usize>,
    /// Of those, the ones whose locations include this one.
    covering: Vec<usize>,
    /// Longest retention of the covering purposes.
    retention: Option<Retention>,
    /// Its cutoff: data last modified before this day is overdue.
    cutoff: Option<NaiveDate>,
}

/// The policy compiled for classification: globs are built once, so use one
/// `Classifier` for many findings.
pub struct Classifier<'p> {
    policy: Option<&'p Policy>,
    today: NaiveDate,
    locations: Cow<'p, PolicyMatcher>,
}

impl<'p> Classifier<'p> {
    pub fn new(policy: Option<&'p Policy>, today: NaiveDate) -> Self {
        let locations = Cow::Owned(policy.map(Policy::matcher).unwrap_or_default());
        Classifier {
            policy,
            today,
            locations,
        }
    }

    /// The status of one finding's location and category, and the purposes
    /// that cover it (see [`InventoryRow::purposes`]).
    pub fn classify(&self, finding: &Finding) -> (Status, Vec<String>) {
        let placement = self.place(
            &finding.path,
            finding.field.as_deref(),
            finding.category,
            finding.modified,
        );
        let names = self.purpose_ids(row_purposes(&placement));
        (placement.status, names)
    }

    fn purpose_ids(&self, indices: &[usize]) -> Vec<String> {
        let Some(policy) = self.policy else {
            return Vec::new();
        };
        indices
            .iter()
            .map(|&i| policy.purposes[i].id.clone())
            .collect()
    }

    fn place(
        &self,
        path: &str,
        field: Option<&str>,
        category: Category,
        modified: Option<i64>,
    ) -> Placement {
        let mut placement = Placement {
            status: Status::Undeclared,
            declaring: Vec::new(),
            covering: Vec::new(),
            retention: None,
            cutoff: None,
        };
        let Some(policy) = self.policy else {
            return placement;
        };
        for (i, _) in policy.declaring(category) {
            placement.declaring.push(i);
            if self.locations.matches(i, path, field) {
                placement.covering.push(i);
            }
        }
        let retentions = || {
            placement
                .covering
                .iter()
                .map(|&i| policy.purposes[i].retention)
        };
        placement.cutoff = Retention::longest_cutoff(retentions(), self.today);
        placement.retention = match placement.cutoff {
            _ if placement.covering.is_empty() => None,
            None => Some(Retention::Unlimited),
            cutoff => retentions().find(|r| r.cutoff(self.today) == cutoff),
        };
        placement.status = if policy.is_prohibited(category) {
            Status::Prohibited
        } else if placement.declaring.is_empty() {
            Status::Undeclared
        } else if placement.covering.is_empty() {
            Status::OutOfPlace
        } else {
            match modified {
                Some(m) if is_before_cutoff(m, placement.cutoff) => Status::PastRetention,
                _ => Status::Declared,
            }
        };
        placement
    }
}

/// The purposes a row names: who covers it, or, when nobody does, who
/// declares the category elsewhere.
fn row_purposes(placement: &Placement) -> &[usize] {
    if placement.status == Status::OutOfPlace {
        &placement.declaring
    } else {
        &placement.covering
    }
}

/// The status of one finding's location and category under `policy`, and
/// the purposes that cover it. Without a policy everything is undeclared.
///
/// Cheap to call once per finding: the policy's globs are compiled once
/// per thread and reused for as long as the purposes' locations stay the
/// same. A [`Classifier`] does the same without the cache.
pub fn classify(
    finding: &Finding,
    policy: Option<&Policy>,
    today: NaiveDate,
) -> (Status, Vec<String>) {
    let Some(policy) = policy else {
        return Classifier::new(None, today).classify(finding);
    };
    COMPILED.with(|cell| {
        let mut compiled = cell.borrow_mut();
        let same = compiled.as_ref().is_some_and(|(locations, _)| {
            locations.len() == policy.purposes.len()
                && locations
                    .iter()
                    .zip(&policy.purposes)
                    .all(|(l, p)| *l == p.locations)
        });
        if !same {
            let locations = policy
                .purposes
                .iter()
                .map(|p| p.locations.clone())
                .collect();
            *compiled = Some((locations, policy.matcher()));
        }
        let (_, matcher) = compiled.as_ref().expect("compiled just above");
        Classifier {
            policy: Some(policy),
            today,
            locations: Cow::Borrowed(matcher),
        }
        .classify(finding)
    })
}

thread_local! {
    /// The last policy [`classify`] compiled: its purposes' locations (the
    /// key, compared in full, so two policies can never be confused) and
    /// the matcher built from them.
    static COMPILED: RefCell<Option<(Vec<Vec<String>>, PolicyMatcher)>> = const { RefCell::new(None) };
}

/// One inventory row's counters as a scan exports them for a later merge
/// (`--format partial`, [`InventoryBuilder::export`]). Status is not here:
/// it is judged at merge time, against the policy given then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPart {
    pub path: String,
    pub field: Option<String>,
    pub category: Category,
    pub count: u64,
    /// The distinct keyed fingerprints, as numbers, sorted.
    pub values: Vec<u128>,
    pub first_line: u64,
    pub last_line: u64,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
    /// Unix seconds.
    pub oldest_modified: Option<i64>,
    pub examples: Vec<String>,
}

/// What [`InventoryBuilder::export`] gives and [`InventoryBuilder::absorb`] takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryPart {
    pub rows: Vec<RowPart>,
    /// Distinct IIN fingerprints and what they say of their holder, sorted.
    pub subjects: Vec<(u128, Option<SubjectTraits>)>,
    pub test_values: u64,
}

/// Counters for one (location, category).
struct RowAcc {
    count: u64,
    /// Fingerprints as 128-bit numbers: a quarter of the memory of the hex.
    values: HashSet<u128>,
    first_line: u64,
    last_line: u64,
    confidence: Confidence,
    evidence: BTreeSet<Evidence>,
    oldest_modified: Option<i64>,
    examples: Vec<String>,
}

const MAX_EXAMPLES: usize = 3;

impl RowAcc {
    fn new(line: u64, confidence: Confidence) -> Self {
        RowAcc {
            count: 0,
            values: HashSet::new(),
            first_line: line,
            last_line: line,
            confidence,
            evidence: BTreeSet::new(),
            oldest_modified: None,
            examples: Vec::new(),
        }
    }

    fn add(&mut self, finding: &Finding, evidence: Evidence, value: Option<u128>) {
        self.count += 1;
        if let Some(v) = value {
            self.values.insert(v);
        }
        self.first_line = self.first_line.min(finding.line);
        self.last_line = self.last_line.max(finding.line);
        self.confidence = self.confidence.max(finding.confidence);
        self.evidence.insert(evidence);
        if let Some(m) = finding.modified {
            self.oldest_modified = Some(self.oldest_modified.map_or(m, |o| o.min(m)));
        }
        if evidence.is_value()
            && self.examples.len() < MAX_EXAMPLES
            && !finding.masked.is_empty()
            && !self.examples.contains(&finding.masked)
        {
            self.examples.push(finding.masked.clone());
        }
    }
}

/// A keyed fingerprint (32 hex digits) as a number; anything else is hashed
/// down to one, so distinct counting still works for foreign fingerprints.
fn fingerprint_number(fingerprint: &str) -> u128 {
    if fingerprint.len() == 32 {
        if let Ok(n) = u128::from_str_radix(fingerprint, 16) {
            return n;
        }
    }
    let hash = blake3::hash(fingerprint.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_bytes()[..16]);
    u128::from_le_bytes(bytes)
}

type FieldRows = HashMap<Option<Arc<str>>, BTreeMap<Category, RowAcc>>;

/// Aggregates findings one at a time.
pub struct InventoryBuilder<'p> {
    classifier: Classifier<'p>,
    /// Database tables read, by path.
    tables: HashMap<String, Vec<TableRead>>,
    /// path → field → category → counters; looked up without allocating.
    files: HashMap<Arc<str>, FieldRows>,
    /// Distinct IIN fingerprints and what they say about their holder.
    subjects: HashMap<u128, Option<SubjectTraits>>,
    test_values: u64,
}

impl<'p> InventoryBuilder<'p> {
    /// `today` is a parameter so that retention and minors are testable.
    pub fn new(policy: Option<&'p Policy>, today: NaiveDate) -> Self {
        InventoryBuilder {
            classifier: Classifier::new(policy, today),
            tables: HashMap::new(),
            files: HashMap::new(),
            subjects: HashMap::new(),
            test_values: 0,
        }
    }

    fn row(&mut self, finding: &Finding, category: Category) -> &mut RowAcc {
        let fields = self.files.entry(finding.path.clone()).or_default();
        if !fields.contains_key(&finding.field) {
            fields.insert(finding.field.clone(), BTreeMap::new());
        }
        fields
            .get_mut(&finding.field)
            .expect("inserted just above")
            .entry(category)
            .or_insert_with(|| RowAcc::new(finding.line, finding.confidence))
    }

    /// Database tables as they were read, so that their rows show samples
    /// as samples and count the rows past retention.
    pub fn tables(&mut self, tables: &[TableRead]) {
        for t in tables {
            self.tables
                .entry(t.path.clone())
                .or_default()
                .push(t.clone());
        }
    }

    /// Suppressed findings and well-known test values are left out.
    pub fn add(&mut self, finding: &Finding) {
        if finding.suppressed.is_some() {
            return;
        }
        if finding.test {
            self.test_values += 1;
            return;
        }
        let value = finding
            .evidence
            .is_value()
            .then(|| fingerprint_number(&finding.fingerprint));
        self.row(finding, finding.category)
            .add(finding, finding.evidence, value);
        if finding.category == Category::Iin && finding.evidence.is_value() {
            // Every valid IIN encodes a birth date (and sex): the location
            // holds birth dates whether or not it has a column for them.
            self.row(finding, Category::BirthDate)
                .add(finding, Evidence::Derived, value);
            let traits = self.subjects.entry(value.unwrap_or_default()).or_default();
            if traits.is_none() {
                *traits = finding.subject;
            }
        }
    }

    /// Everything an exact merge needs, in a stable order: each row's
    /// counters with its set of distinct fingerprints, the IIN holders'
    /// fingerprints and traits, and the test values left out.
    pub fn export(&self) -> InventoryPart {
        let mut rows = Vec::new();
        for (path, fields) in &self.files {
            for (field, categories) in fields {
                for (category, acc) in categories {
                    let mut values: Vec<u128> = acc.values.iter().copied().collect();
                    values.sort_unstable();
                    rows.push(RowPart {
                        path: path.to_string(),
                        field: field.as_deref().map(str::to_string),
                        category: *category,
                        count: acc.count,
                        values,
                        first_line: acc.first_line,
                        last_line: acc.last_line,
                        confidence: acc.confidence,
                        evidence: acc.evidence.iter().copied().collect(),
                        oldest_modified: acc.oldest_modified,
                        examples: acc.examples.clone(),
                    });
                }
            }
        }
        rows.sort_by(|a, b| (&a.path, &a.field, a.category).cmp(&(&b.path, &b.field, b.category)));
        let mut subjects: Vec<(u128, Option<SubjectTraits>)> =
            self.subjects.iter().map(|(k, v)| (*k, *v)).collect();
        subjects.sort_unstable_by_key(|(k, _)| *k);
        InventoryPart {
            rows,
            subjects,
            test_values: self.test_values,
        }
    }

    /// Adds what another scan exported. Rows of the same place add up:
    /// counts sum, fingerprint sets unite, lines and dates widen, examples
    /// fill up to three in the order the parts come. Parts of one sharded
    /// scan never share a place (a file belongs to one shard), so for them
    /// the result is exactly the single scan's.
    pub fn absorb(&mut self, part: InventoryPart) {
        for row in part.rows {
            let fields = self.files.entry(row.path.as_str().into()).or_default();
            let field: Option<Arc<str>> = row.field.as_deref().map(Into::into);
            let acc = fields
                .entry(field)
                .or_default()
                .entry(row.category)
                .or_insert_with(|| RowAcc::new(row.first_line, row.confidence));
            acc.count += row.count;
            acc.values.extend(row.values);
            acc.first_line = acc.first_line.min(row.first_line);
            acc.last_line = acc.last_line.max(row.last_line);
            acc.confidence = acc.confidence.max(row.confidence);
            acc.evidence.extend(row.evidence);
            if let Some(m) = row.oldest_modified {
                acc.oldest_modified = Some(acc.oldest_modified.map_or(m, |o| o.min(m)));
            }
            for example in row.examples {
                if acc.examples.len() < MAX_EXAMPLES && !acc.examples.contains(&example) {
                    acc.examples.push(example);
                }
            }
        }
        for (fingerprint, traits) in part.subjects {
            let known = self.subjects.entry(fingerprint).or_default();
            if known.is_none() {
                *known = traits;
            }
        }
        self.test_values += part.test_values;
    }

    pub fn finish(self) -> Inventory {
        let classifier = &self.classifier;
        let mut placed: Vec<(InventoryRow, Vec<usize>)> = Vec::new();
        for (path, fields) in self.files {
            for (field, categories) in fields {
                for (category, acc) in categories {
                    let placement =
                        classifier.place(&path, field.as_deref(), category, acc.oldest_modified);
                    let sample = table_of(&self.tables, &path, field.as_deref())
                        .map(|t| sample_of(t, acc.count, &placement));
                    let mut note = classifier.note(category, &placement, acc.oldest_modified);
                    if let Some(s) = sample.filter(|s| s.sampled) {
                        note.push_str(&format!(
                            "; sampled {} of ~{} rows: ~{} in the table (estimate)",
                            s.rows_sampled, s.rows_estimated, s.estimated_count
                        ));
                    }
                    if let Some(Sample {
                        rows_past_retention: Some(past),
                        rows_sampled,
                        ..
                    }) = sample
                    {
                        note.push_str(&format!("; {past} of {rows_sampled} rows read are past it"));
                    }
                    let row = InventoryRow {
                        location: match &field {
                            Some(f) => format!("{path}#{f}"),
                            None => path.to_string(),
                        },
                        path: path.to_string(),
                        field: field.as_deref().map(str::to_string),
                        category,
                        count: acc.count,
                        distinct: acc.values.len() as u64,
                        first_line: acc.first_line,
                        last_line: acc.last_line,
                        confidence: acc.confidence,
                        evidence: acc.evidence.into_iter().collect(),
                        status: placement.status,
                        purposes: classifier.purpose_ids(row_purposes(&placement)),
                        examples: acc.examples,
                        modified: acc.oldest_modified.and_then(day_of).map(|d| d.to_string()),
                        note,
                        sample,
                    };
                    placed.push((row, placement.covering));
                }
            }
        }
        placed.sort_by(|(a, _), (b, _)| {
            (&a.path, &a.field, a.category).cmp(&(&b.path, &b.field, b.category))
        });

        let purposes = classifier
            .policy
            .map(|policy| {
                policy
                    .purposes
                    .iter()
                    .enumerate()
                    .map(|(i, purpose)| {
                        let covered = placed.iter().filter(|(_, covering)| covering.contains(&i));
                        let seen: BTreeSet<Category> =
                            covered.clone().map(|(r, _)| r.category).collect();
                        PurposeCoverage {
                            id: purpose.id.clone(),
                            title: purpose.title.clone(),
                            categories: purpose.categories.clone(),
                            retention: purpose.retention.to_string(),
                            legal_basis: purpose.legal_basis.clone(),
                            locations: purpose.locations.clone(),
                            seen: purpose
                                .categories
                                .iter()
                                .copied()
                                .filter(|c| seen.contains(c))
                                .collect(),
                            unseen: purpose
                                .categories
                                .iter()
                                .copied()
                                .filter(|c| !seen.contains(c))
                                .collect(),
                            rows: covered.clone().count() as u64,
                            findings: covered.map(|(r, _)| r.count).sum(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();

        let rows: Vec<InventoryRow> = placed.into_iter().map(|(r, _)| r).collect();
        let statuses = Status::ALL
            .iter()
            .map(|&status| {
                let in_status = rows.iter().filter(|r| r.status == status);
                StatusCount {
                    status,
                    rows: in_status.clone().count() as u64,
                    findings: in_status.map(|r| r.count).sum(),
                }
            })
            .collect();

        let mut subjects = Subjects {
            people: self.subjects.len() as u64,
            ..Subjects::default()
        };
        for traits in self.subjects.values().flatten() {
            subjects.minors += u64::from(traits.minor);
            match traits.sex {
                Some(crate::model::Sex::Female) => subjects.female += 1,
                Some(crate::model::Sex::Male) => subjects.male += 1,
                None => {}
            }
        }

        Inventory {
            as_of: classifier.today.to_string(),
            rows,
            purposes,
            statuses,
            subjects,
            test_values: self.test_values,
        }
    }
}

impl Classifier<'_> {
    fn note(&self, category: Category, placement: &Placement, modified: Option<i64>) -> String {
        let Some(policy) = self.policy else {
            return "no policy loaded".to_string();
        };
        // The row's `purposes` has them all; a note names a few.
        const NAMED: usize = 2;
        let ids = |indices: &[usize]| {
            let named: Vec<&str> = indices
                .iter()
                .take(NAMED)
                .map(|&i| policy.purposes[i].id.as_str())
                .collect();
            match indices.len().saturating_sub(NAMED) {
                0 => named.join(", "),
                more => format!("{} and {more} more", named.join(", ")),
            }
        };
        let retention = placement
            .retention
            .map(|r| r.to_string())
            .unwrap_or_default();
        match placement.status {
            Status::Prohibited => format!("the policy promises {category} is never stored"),
            Status::Undeclared => format!("no purpose declares {category}"),
            Status::OutOfPlace => format!(
                "{category} is declared by {} for other locations only",
                ids(&placement.declaring)
            ),
            Status::PastRetention => format!(
                "dated {}, before {}: older than the {retention} retention of {}",
                modified
                    .and_then(day_of)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                placement.cutoff.map(|d| d.to_string()).unwrap_or_default(),
                ids(&placement.covering)
            ),
            Status::Declared => format!(
                "declared by {} (retention {retention})",
                ids(&placement.covering)
            ),
        }
    }
}

/// The table a database field (`schema.table.column…`) belongs to. A Redis
/// key family is a table whose own field is its name (a string key's value,
/// `session:*`) or goes on with `.` (a hash field) or `[` (list members);
/// of two families where one's name starts the other's, the longer wins.
fn table_of<'t>(
    tables: &'t HashMap<String, Vec<TableRead>>,
    path: &str,
    field: Option<&str>,
) -> Option<&'t TableRead> {
    let field = field?;
    tables
        .get(path)?
        .iter()
        .filter(|t| {
            field.starts_with(t.table.as_str())
                && matches!(
                    field.as_bytes().get(t.table.len()),
                    None | Some(b'.' | b'[')
                )
        })
        .max_by_key(|t| t.table.len())
}

/// What a table's sample says about one of its rows: the count scaled to
/// the table, and the rows read that are past the row's retention cutoff.
fn sample_of(table: &TableRead, count: u64, placement: &Placement) -> Sample {
    let estimated_count = match (table.sampled, table.rows_read) {
        (true, read) if read > 0 => {
            (count as f64 * table.rows_estimated as f64 / read as f64).round() as u64
        }
        _ => count,
    };
    let rows_past_retention = match (placement.status, placement.cutoff) {
        (Status::PastRetention, Some(cutoff)) if !table.row_days.is_empty() => {
            let cutoff_day = cutoff
                .and_hms_opt(0, 0, 0)
                .map_or(i64::MIN, |t| t.and_utc().timestamp().div_euclid(86_400));
            Some(
                table
                    .row_days
                    .iter()
                    .filter(|(day, _)| *day < cutoff_day)
                    .map(|(_, n)| n)
                    .sum(),
            )
        }
        _ => None,
    };
    Sample {
        sampled: table.sampled,
        rows_sampled: table.rows_read,
        rows_estimated: table.rows_estimated,
        estimated_count,
        rows_past_retention,
    }
}

/// The calendar day (UTC) of a Unix timestamp.
fn day_of(unix_seconds: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp(unix_seconds, 0).map(|t| t.date_naive())
}

/// Aggregates a whole slice of findings.
pub fn build(findings: &[Finding], policy: Option<&Policy>, today: NaiveDate) -> Inventory {
    build_with_tables(findings, &[], policy, today)
}

/// [`build`], with the database tables the findings came from.
pub fn build_with_tables(
    findings: &[Finding],
    tables: &[TableRead],
    policy: Option<&Policy>,
    today: NaiveDate,
) -> Inventory {
    let mut b = InventoryBuilder::new(policy, today);
    b.tables(tables);
    for f in findings {
        b.add(f);
    }
    b.finish()
}
