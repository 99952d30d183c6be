//! Scores `tizim policy import` against hand labels and holds the issue-14
//! targets: category Jaccard ≥ 0.95 on average, prohibitions exact on every
//! policy, retention right wherever the text states one, and each purpose
//! with its own data where the text ties data to purposes.
//!
//! Two sets, scored and reported apart:
//! - `fixtures/policies/wild`: real policies of Kazakh operators (sources in
//!   fixtures/policies/SOURCES.md), all committed. The labels marked
//!   `heldout = true` were written before the importer was ever run on their
//!   text; their subtotal is printed on its own line. The others are
//!   in-sample: the rules were extended while their misses were visible.
//! - `fixtures/policies/cases`: short paraphrase policies, one or more per
//!   failure class of the issue, written with the rules in view: in-sample
//!   by construction (see fixtures/policies/cases/README.md).
//!
//! Every labelled text must be present (only a label marked `pending`, whose
//! input format is not read yet, is skipped), so the test runs the same on a
//! fresh clone and in CI.
//!
//! Prints one line per policy; run with `--nocapture` to see them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tizim::model::Category;
use tizim::policy::{self, import, Policy, Retention};

/// A reading the label marks as arguable: the draft must leave a `TODO`
/// line that quotes `phrase` (case-insensitive) and names `category` (a
/// category id, or "prohibited" for a promise that names no kind of data).
#[derive(Debug)]
struct Arguable {
    category: String,
    phrase: String,
}

/// What one purpose of a policy must get.
#[derive(Debug)]
struct PurposeLabel {
    categories: BTreeSet<Category>,
    retention: Option<Retention>,
}

#[derive(Debug)]
struct Label {
    purposes: Vec<PurposeLabel>,
    arguable: Vec<Arguable>,
    todo_negation: bool,
    elsewhere_comment: bool,
    lang: String,
    file: String,
    categories: BTreeSet<Category>,
    prohibited: BTreeSet<Category>,
    retention: Option<Retention>,
    retention_by_category: Vec<(Category, Retention)>,
    retention_todo: bool,
    pending: Option<String>,
    heldout: bool,
}

fn categories(value: Option<&toml::Value>, file: &str) -> BTreeSet<Category> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .map(|c| {
                    let id = c.as_str().expect("category ids are strings");
                    Category::from_id(id).unwrap_or_else(|| panic!("{file}: unknown category {id}"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn flag(p: &toml::Value, key: &str) -> bool {
    p.get(key).and_then(|v| v.as_bool()).unwrap_or(false)
}

fn labels(dir: &Path) -> Vec<Label> {
    let path = dir.join("labels.toml");
    let text = std::fs::read_to_string(&path).expect("labels.toml is committed");
    let doc: toml::Value = toml::from_str(&text).expect("labels.toml parses");
    doc["policy"]
        .as_array()
        .expect("[[policy]] tables")
        .iter()
        .map(|p| {
            let file = p["file"].as_str().expect("file").to_string();
            let retention = p
                .get("retention")
                .map(|r| Retention::parse(r.as_str().expect("retention string")).expect("valid"));
            let retention_by_category = p
                .get("retention_by_category")
                .and_then(|t| t.as_table())
                .map(|t| {
                    t.iter()
                        .map(|(c, r)| {
                            (
                                Category::from_id(c).expect("known category"),
                                Retention::parse(r.as_str().expect("string")).expect("valid"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let purposes = p
                .get("purpose")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .map(|t| PurposeLabel {
                            categories: categories(t.get("categories"), &file),
                            retention: t.get("retention").map(|r| {
                                Retention::parse(r.as_str().expect("string")).expect("valid")
                            }),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let arguable = p
                .get("arguable")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .map(|t| {
                            let category = t["category"].as_str().expect("category").to_string();
                            assert!(
                                category == "prohibited" || Category::from_id(&category).is_some(),
                                "{file}: arguable category {category} is unknown"
                            );
                            Arguable {
                                category,
                                phrase: t["phrase"].as_str().expect("phrase").to_string(),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            Label {
                purposes,
                arguable,
                todo_negation: flag(p, "todo_negation"),
                elsewhere_comment: flag(p, "elsewhere_comment"),
                lang: p["lang"].as_str().expect("lang").to_string(),
                categories: categories(p.get("categories"), &file),
                prohibited: categories(p.get("prohibited"), &file),
                retention,
                retention_by_category,
                retention_todo: p
                    .get("retention_todo")
                    .and_then(|v| v.as_bool())
                    .unwrap_or(false),
                pending: p.get("pending").and_then(|v| v.as_str()).map(String::from),
                heldout: flag(p, "heldout"),
                file,
            }
        })
        .collect()
}

/// The committed corpus of real policies.
fn wild_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/wild")
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/cases")
}

fn draft_for(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    import::draft_file(path, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn jaccard(a: &BTreeSet<Category>, b: &BTreeSet<Category>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

fn ids(set: &BTreeSet<Category>) -> String {
    let v: Vec<&str> = set.iter().map(|c| c.id()).collect();
    format!("[{}]", v.join(","))
}

/// Retention checks for one policy: (hits, checks, what missed).
fn retention_score(label: &Label, draft: &str, policy: &Policy) -> (usize, usize, Vec<String>) {
    let mut hits = 0;
    let mut checks = 0;
    let mut missed = Vec::new();
    if let Some(expected) = label.retention {
        checks += 1;
        if !policy.purposes.is_empty() && policy.purposes.iter().all(|p| p.retention == expected) {
            hits += 1;
        } else {
            let got: Vec<String> = policy
                .purposes
                .iter()
                .map(|p| p.retention.to_string())
                .collect();
            missed.push(format!("retention {expected} (got {})", got.join(",")));
        }
    }
    for (category, expected) in &label.retention_by_category {
        checks += 1;
        let wanted = format!("{} {expected}", category.id());
        if category_periods(draft).contains(&wanted) {
            hits += 1;
        } else {
            missed.push(format!("period of {wanted}"));
        }
    }
    // A period the draft states where the label gives none, or another one:
    // every purpose's period must be the labelled one (for all data, for
    // that purpose, or for one of its categories); "none" is the draft's
    // "no period stated".
    let mut labelled: Vec<Retention> = label.retention.into_iter().collect();
    labelled.extend(label.purposes.iter().filter_map(|p| p.retention));
    labelled.extend(label.retention_by_category.iter().map(|(_, r)| *r));
    let spurious: Vec<String> = policy
        .purposes
        .iter()
        .filter(|p| p.retention != Retention::Unlimited && !labelled.contains(&p.retention))
        .map(|p| format!("{} {}", p.id, p.retention))
        .collect();
    if policy
        .purposes
        .iter()
        .any(|p| p.retention != Retention::Unlimited)
    {
        checks += 1;
        if spurious.is_empty() {
            hits += 1;
        } else {
            missed.push(format!(
                "no such period in the label: {}",
                spurious.join(", ")
            ));
        }
    }
    if label.retention_todo {
        checks += 1;
        if draft
            .lines()
            .any(|l| l.contains("TODO") && l.contains("not a period"))
        {
            hits += 1;
        } else {
            missed.push("TODO for a limit that is not a period".to_string());
        }
    }
    (hits, checks, missed)
}

/// The "category period" pairs of the draft's per-category retention block:
/// lines `#   <category> <period>  …`, after the line that opens it.
fn category_periods(draft: &str) -> Vec<String> {
    draft
        .lines()
        .skip_while(|l| !l.starts_with("# Periods the text gives for one kind of data"))
        .skip(1)
        .take_while(|l| l.starts_with("#   "))
        .map(|l| {
            l[4..]
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Purpose checks: (purposes right, purposes labelled, what missed). A
/// purpose is right when it has exactly the labelled categories and, where
/// the label gives one, the labelled retention.
fn purpose_score(label: &Label, policy: &Policy) -> (usize, usize, Vec<String>) {
    let mut hits = 0;
    let mut missed = Vec::new();
    if !label.purposes.is_empty() && policy.purposes.len() != label.purposes.len() {
        missed.push(format!(
            "{} purposes, want {}",
            policy.purposes.len(),
            label.purposes.len()
        ));
        return (0, label.purposes.len(), missed);
    }
    for (i, (want, got)) in label.purposes.iter().zip(&policy.purposes).enumerate() {
        let categories: BTreeSet<Category> = got.categories.iter().copied().collect();
        let retention_ok = want.retention.map_or(true, |r| r == got.retention);
        if categories == want.categories && retention_ok {
            hits += 1;
        } else {
            missed.push(format!(
                "purpose {} ({}): got {} {} want {} {}",
                i + 1,
                got.id,
                ids(&categories),
                got.retention,
                ids(&want.categories),
                want.retention.map_or("-".to_string(), |r| r.to_string()),
            ));
        }
    }
    (hits, label.purposes.len(), missed)
}

/// Totals over a set of labelled policies.
#[derive(Default)]
struct Totals {
    jaccards: Vec<f64>,
    prohibitions_exact: usize,
    /// Labelled prohibited categories the drafts found, of all labelled.
    prohibited_found: usize,
    prohibited_total: usize,
    /// Categories the drafts prohibit that no label does.
    prohibited_wrong: usize,
    retention: (usize, usize),
    purposes: (usize, usize),
    /// Arguable readings with a TODO in the draft, of all labelled.
    arguable: (usize, usize),
    failures: Vec<String>,
}

fn score<'a>(dir: &Path, labels: impl IntoIterator<Item = &'a Label>) -> Totals {
    let mut t = Totals::default();
    for label in labels {
        if let Some(format) = &label.pending {
            println!(
                "{:<26} not scored: the {format} source is pending",
                label.file
            );
            continue;
        }
        let path = dir.join(&label.file);
        if !path.is_file() {
            t.failures
                .push(format!("{}: labelled but not committed", label.file));
            continue;
        }
        let draft = draft_for(&path);
        let policy = match policy::parse(&draft) {
            Ok(p) => p,
            Err(e) => {
                t.failures
                    .push(format!("{}: draft does not parse: {e:?}", label.file));
                t.jaccards.push(0.0);
                continue;
            }
        };
        let got: BTreeSet<Category> = policy
            .purposes
            .iter()
            .flat_map(|p| p.categories.iter().copied())
            .collect();
        let j = jaccard(&got, &label.categories);
        t.jaccards.push(j);
        let prohibited: BTreeSet<Category> = policy.prohibited.iter().copied().collect();
        let true_pos = prohibited.intersection(&label.prohibited).count();
        t.prohibited_found += true_pos;
        t.prohibited_total += label.prohibited.len();
        t.prohibited_wrong += prohibited.len() - true_pos;
        let exact = prohibited == label.prohibited;
        t.prohibitions_exact += usize::from(exact);
        let (hits, checks, mut missed) = retention_score(label, &draft, &policy);
        t.retention.0 += hits;
        t.retention.1 += checks;
        let (p_hits, p_checks, p_missed) = purpose_score(label, &policy);
        t.purposes.0 += p_hits;
        t.purposes.1 += p_checks;
        missed.extend(p_missed);
        if label.todo_negation
            && !draft
                .lines()
                .any(|l| l.contains("TODO") && l.contains("refers back"))
        {
            missed.push("TODO for a negation that refers back".to_string());
        }
        let todos: Vec<String> = draft
            .lines()
            .filter(|l| l.contains("TODO"))
            .map(str::to_lowercase)
            .collect();
        for a in &label.arguable {
            let phrase = a.phrase.to_lowercase();
            t.arguable.1 += 1;
            if todos
                .iter()
                .any(|l| l.contains(&phrase) && l.contains(&a.category))
            {
                t.arguable.0 += 1;
            } else {
                missed.push(format!(
                    "TODO at the arguable reading «{}» ({})",
                    a.phrase, a.category
                ));
            }
        }
        if label.elsewhere_comment && !draft.contains("also named as processed") {
            missed.push("comment that the prohibition wins over a declaration".to_string());
        }
        println!(
            "{:<26} jaccard {j:.2}  prohibited {true_pos}/{}{}  retention {hits}/{checks}  purposes {p_hits}/{p_checks}",
            label.file,
            label.prohibited.len(),
            if exact { "" } else { " (inexact)" },
        );
        if j < 1.0 {
            println!(
                "{:<26}   categories got {} want {}",
                "",
                ids(&got),
                ids(&label.categories)
            );
        }
        if !exact {
            println!(
                "{:<26}   prohibited got {} want {}",
                "",
                ids(&prohibited),
                ids(&label.prohibited)
            );
            t.failures
                .push(format!("{}: prohibitions not exact", label.file));
        }
        for m in &missed {
            println!("{:<26}   missed {m}", "");
            t.failures.push(format!("{}: missed {m}", label.file));
        }
    }
    t
}

impl Totals {
    fn mean_jaccard(&self) -> f64 {
        self.jaccards.iter().sum::<f64>() / self.jaccards.len().max(1) as f64
    }

    fn print(&self, name: &str) {
        let scored = self.jaccards.len();
        println!(
            "{name}: scored {scored}: mean category Jaccard {:.3}; prohibited categories found {}/{} ({} wrong), exact on {}/{scored} policies; retention {}/{}; purposes {}/{}; arguable readings with a TODO {}/{}",
            self.mean_jaccard(),
            self.prohibited_found,
            self.prohibited_total,
            self.prohibited_wrong,
            self.prohibitions_exact,
            self.retention.0,
            self.retention.1,
            self.purposes.0,
            self.purposes.1,
            self.arguable.0,
            self.arguable.1,
        );
    }

    fn hold_targets(&self) {
        let mean = self.mean_jaccard();
        assert!(mean >= 0.95, "mean category Jaccard {mean:.3} < 0.95");
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n"));
    }
}

#[test]
fn wild_policies_meet_the_targets() {
    let dir = wild_dir();
    let labels = labels(&dir);
    let heldout = score(&dir, labels.iter().filter(|l| l.heldout));
    heldout.print("wild, held-out (labelled before the first import)");
    let totals = score(&dir, &labels);
    totals.print("wild, all (real policies)");
    let scored = labels.iter().filter(|l| l.pending.is_none()).count();
    assert!(
        scored >= 15,
        "the committed corpus has {scored} scored policies, want at least 15"
    );
    assert_eq!(
        totals.jaccards.len(),
        scored,
        "a labelled policy was not scored"
    );
    for lang in ["ru", "kk", "en"] {
        assert!(
            labels.iter().any(|l| l.lang == lang && l.pending.is_none()),
            "no {lang} policy in the corpus"
        );
    }
    totals.hold_targets();
}

#[test]
fn paraphrase_cases_meet_the_targets() {
    let dir = cases_dir();
    let labels = labels(&dir);
    let totals = score(&dir, &labels);
    totals.print("cases (written for the failure classes; in-sample)");
    // Every case is committed, and every one is scored.
    assert_eq!(
        totals.jaccards.len(),
        labels.len(),
        "a case file is missing"
    );
    let kazakh = labels.iter().filter(|l| l.lang == "kk").count();
    assert!(kazakh >= 5, "only {kazakh} Kazakh cases");
    totals.hold_targets();
}
