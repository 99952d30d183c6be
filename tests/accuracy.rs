//! Precision and recall of the built-in detectors on a generated, labelled
//! corpus (fixtures/corpus): app, nginx and NDJSON logs, pg_dump and
//! mysqldump files, `;` CSV with Russian headers, TSV, source code, YAML and
//! Markdown, with the hard negatives of issue 2 mixed in.
//!
//! Labels come from the generator. Findings are matched to labels by path,
//! line, category and fingerprint (so the normalised value must be right
//! too), counting duplicates.

#[path = "../fixtures/corpus/mod.rs"]
mod corpus;

use std::collections::BTreeMap;
use std::path::PathBuf;
use tizim::detect::{Engine, FingerprintKey};
use tizim::model::{Category, Confidence};
use tizim::scan::{self, Collect, ScanOptions};

const CATEGORIES: [&str; 6] = ["iin", "bin", "phone", "email", "card", "iban"];
/// Issue 15's categories, scored on findings of `medium` and above (what a
/// gate sees by default); `low` findings are counted apart.
const DECLARED: [&str; 5] = [
    "ip_address",
    "id_document",
    "birth_date",
    "person_name",
    "address",
];
/// Of those, the graded ones: a bare pair of words or a lone street is
/// `low` by design, so their recall counts every confidence, and their
/// `medium`+ recall is reported beside it.
const GRADED: [&str; 2] = ["person_name", "address"];

#[derive(Default, Clone, Copy)]
struct Score {
    true_pos: u64,
    /// True positives reported `medium` or `high`: what a gate acts on.
    true_pos_medium: u64,
    false_pos: u64,
    false_neg: u64,
    /// Labelled values found only at `low` (issue-15 categories).
    true_pos_low: u64,
    /// `low` findings that match no label (not counted in precision: `low`
    /// fails no gate).
    false_pos_low: u64,
}

impl Score {
    fn precision(&self) -> f64 {
        let found = self.true_pos + self.false_pos;
        if found == 0 {
            1.0
        } else {
            self.true_pos as f64 / found as f64
        }
    }
    fn recall_any(&self) -> f64 {
        let labelled = self.true_pos + self.true_pos_low + self.false_neg;
        if labelled == 0 {
            1.0
        } else {
            (self.true_pos + self.true_pos_low) as f64 / labelled as f64
        }
    }

    fn recall_medium(&self) -> f64 {
        let labelled = self.true_pos + self.true_pos_low + self.false_neg;
        if labelled == 0 {
            1.0
        } else {
            self.true_pos_medium as f64 / labelled as f64
        }
    }

    fn recall(&self) -> f64 {
        let labelled = self.true_pos + self.true_pos_low + self.false_neg;
        if labelled == 0 {
            1.0
        } else {
            self.true_pos as f64 / labelled as f64
        }
    }
}

type Key = (String, u64, String, String);

#[test]
fn precision_and_recall_on_the_labelled_corpus() {
    let corpus = corpus::generate(0x7121_2024, 1);
    let dir = tempfile::tempdir().unwrap();
    corpus.write_to(dir.path()).unwrap();
    // To look at the corpus (`tizim scan --show-values DIR`): a copy there.
    if let Some(keep) = std::env::var_os("TIZIM_KEEP_CORPUS") {
        corpus.write_to(std::path::Path::new(&keep)).unwrap();
    }

    let engine = Engine::builtin().unwrap();
    let sink = Collect::default();
    let root: PathBuf = dir.path().to_path_buf();
    let fp = FingerprintKey::default();
    let opts = ScanOptions {
        fingerprint_key: fp.clone(),
        ..ScanOptions::default()
    };
    let summary = scan::run(std::slice::from_ref(&root), &opts, &engine, &sink);
    assert_eq!(summary.stats.errors, 0, "{:?}", summary.errors);
    let findings = sink.into_findings();

    let prefix = format!("{}/", root.display());
    // (path, line, category, fingerprint) → labels not matched yet
    let mut expected: BTreeMap<Key, u64> = BTreeMap::new();
    for l in &corpus.labels {
        let category = Category::from_id(l.category).unwrap();
        let key = (
            l.path.clone(),
            l.line,
            l.category.to_string(),
            fp.fingerprint(category, &l.normalized),
        );
        *expected.entry(key).or_default() += 1;
    }

    let mut scores: BTreeMap<&str, Score> = CATEGORIES
        .iter()
        .chain(&DECLARED)
        .map(|c| (*c, Score::default()))
        .collect();
    let mut declared_low = 0;
    let mut false_positives = Vec::new();
    // Field-level categories (person names, birth dates, documents found
    // through column names) are another detector family's, and this corpus
    // does not label them: they are counted, not scored.
    let mut unscored = 0;
    for f in findings.iter().filter(|f| f.evidence.is_value()) {
        let cat = f.category.id();
        let Some(score) = scores.get_mut(cat) else {
            unscored += 1;
            continue;
        };
        let path = f.path.strip_prefix(&prefix).unwrap_or(&f.path).to_string();
        let key = (path, f.line, cat.to_string(), f.fingerprint.clone());
        if DECLARED.contains(&cat) && f.confidence < Confidence::Medium {
            declared_low += 1;
            match expected.get_mut(&key) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    score.true_pos_low += 1;
                }
                _ => score.false_pos_low += 1,
            }
            continue;
        }
        match expected.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                score.true_pos += 1;
                if f.confidence >= Confidence::Medium {
                    score.true_pos_medium += 1;
                }
            }
            _ => {
                score.false_pos += 1;
                false_positives.push(format!("{}:{} {} {}", key.0, key.1, cat, f.masked));
            }
        }
    }
    let mut missed = Vec::new();
    let labels_by_key: BTreeMap<(String, u64, String), Vec<&str>> =
        corpus.labels.iter().fold(BTreeMap::new(), |mut m, l| {
            m.entry((l.path.clone(), l.line, l.category.to_string()))
                .or_insert_with(Vec::new)
                .push(l.normalized.as_str());
            m
        });
    // Issue 19's forms (values behind one more layer), one file each:
    // (labels, missed) per form.
    let form_of = |path: &str| {
        corpus::ENCODED_FORMS
            .iter()
            .copied()
            .find(|form| path.starts_with(&format!("encoded/{form}-")))
    };
    let mut forms: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for l in &corpus.labels {
        if let Some(form) = form_of(&l.path) {
            forms.entry(form).or_default().0 += 1;
        }
    }
    for ((path, line, cat, _), n) in &expected {
        if *n > 0 {
            scores.get_mut(cat.as_str()).unwrap().false_neg += n;
            let what = labels_by_key
                .get(&(path.clone(), *line, cat.clone()))
                .map(|v| v.join(" | "))
                .filter(|_| GRADED.contains(&cat.as_str()))
                .unwrap_or_default();
            missed.push(format!("{path}:{line} {cat} {what}"));
            if let Some(form) = form_of(path) {
                forms.entry(form).or_default().1 += n;
            }
        }
    }
    let encoded_false_positives: Vec<&String> = false_positives
        .iter()
        .filter(|f| f.starts_with("encoded/"))
        .collect();

    let mut total = Score::default();
    let mut table = format!(
        "\ncorpus: {} files, {:.1} MB, {} labelled values\n{:<20}{:>8}{:>8}{:>8}{:>11}{:>9}{:>13}{:>8}{:>8}\n",
        corpus.files.len(),
        corpus.bytes() as f64 / 1e6,
        corpus.labels.len(),
        "category",
        "TP",
        "FP",
        "FN",
        "precision",
        "recall",
        "recall med+",
        "TP low",
        "FP low"
    );
    for (cat, s) in &scores {
        if CATEGORIES.contains(cat) {
            total.true_pos += s.true_pos;
            total.true_pos_medium += s.true_pos_medium;
            total.false_pos += s.false_pos;
            total.false_neg += s.false_neg;
        }
        table += &format!(
            "{cat:<20}{:>8}{:>8}{:>8}{:>11.4}{:>9.4}{:>13.4}{:>8}{:>8}\n",
            s.true_pos,
            s.false_pos,
            s.false_neg,
            s.precision(),
            s.recall_any(),
            s.recall_medium(),
            s.true_pos_low,
            s.false_pos_low
        );
    }
    table += &format!(
        "{:<20}{:>8}{:>8}{:>8}{:>11.4}{:>9.4}{:>13.4}\n",
        "overall (first six)",
        total.true_pos,
        total.false_pos,
        total.false_neg,
        total.precision(),
        total.recall(),
        total.recall_medium()
    );
    table += &format!(
        "\n{:<20}{:>8}{:>8}{:>9}\n",
        "encoded form", "labels", "missed", "recall"
    );
    for (form, (labels, missed)) in &forms {
        table += &format!(
            "{form:<20}{labels:>8}{missed:>8}{:>9.4}\n",
            1.0 - *missed as f64 / *labels as f64
        );
    }
    table += &format!(
        "(false positives in the encoded files, negatives included: {})\n",
        encoded_false_positives.len()
    );
    table += &format!("(findings of other categories, not scored: {unscored})\n");
    table += &format!("(low findings of the issue-15 categories, not scored: {declared_low})\n");
    println!("{table}");
    table += "(precision counts `medium`+ findings; recall counts every confidence; for the\n first nine categories nothing is `low` unless calibration lowered it)\n";
    for f in false_positives.iter().take(40) {
        println!("false positive: {f}");
    }
    for m in missed.iter().take(40) {
        println!("missed: {m}");
    }

    assert!(corpus.labels.len() > 5000, "corpus too small to measure");
    assert_eq!(forms.len(), corpus::ENCODED_FORMS.len(), "{table}");
    for (form, (labels, missed)) in &forms {
        assert!(*labels >= 300, "too few {form} labels");
        let recall = 1.0 - *missed as f64 / *labels as f64;
        assert!(recall >= 0.99, "{form} recall {table}");
    }
    assert!(
        encoded_false_positives.is_empty(),
        "{encoded_false_positives:?}\n{table}"
    );
    assert!(total.precision() >= 0.999, "overall precision {table}");
    assert!(total.recall() >= 0.995, "overall recall {table}");
    for (cat, s) in &scores {
        assert!(s.true_pos + s.false_neg >= 300, "too few {cat} labels");
        // Issue 15's targets for its categories; the first six keep theirs.
        let (precision, recall) = match DECLARED.contains(cat) {
            true => (0.97, 0.95),
            false => (0.99, 0.99),
        };
        assert!(s.precision() >= precision, "{cat} precision {table}");
        assert!(s.recall_any() >= recall, "{cat} recall {table}");
        if GRADED.contains(cat) {
            // Bare pairs and lone streets are `low` by design; most of what
            // the corpus holds (ФИО with patronymics, names with a keyword or
            // in a named column, addresses with a house) is not.
            assert!(s.recall_medium() >= 0.75, "{cat} medium+ recall {table}");
        } else {
            // Calibration lowers chance hits to `low`; real values keep what
            // a gate acts on.
            assert!(s.recall_medium() >= recall, "{cat} medium+ recall {table}");
        }
    }
}
