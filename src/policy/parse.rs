//! Reading and validating `tizim.toml`.
//!
//! Walks a span-keeping toml_edit document by hand instead of deriving
//! `Deserialize`: serde stops at the first problem, while a person fixing a
//! policy file wants every problem, each with its line.

use super::{compile_location, Allow, Operator, Policy, PolicyError, Purpose, Retention};
use crate::model::Category;
use std::collections::HashMap;
use std::ops::Range;
use toml_edit::{ImDocument, Item, TableLike, Value};

type Span = Option<Range<usize>>;

pub(super) fn parse(text: &str) -> Result<Policy, Vec<PolicyError>> {
    parse_with_extra_keys(text, &[])
}

/// Like [`parse`], with top-level keys that another reader handles (the
/// `fingerprint_key_file` of `.tizim.toml`) let through unread.
pub(super) fn parse_with_extra_keys(
    text: &str,
    extra_top_keys: &'static [&'static str],
) -> Result<Policy, Vec<PolicyError>> {
    let mut checker = Checker::new(text);
    checker.extra_top_keys = extra_top_keys;
    let doc = match ImDocument::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            checker.error(e.span(), e.message().trim().to_string());
            return Err(checker.errors);
        }
    };
    let policy = checker.policy(doc.as_table());
    if checker.errors.is_empty() {
        Ok(policy)
    } else {
        let mut errors = checker.errors;
        errors.sort_by_key(|e| e.line.unwrap_or(0));
        Err(errors)
    }
}

const TOP_KEYS: &[&str] = &["operator", "purpose", "prohibited", "allow"];
const OPERATOR_KEYS: &[&str] = &["name", "bin"];
const PURPOSE_KEYS: &[&str] = &[
    "id",
    "title",
    "categories",
    "retention",
    "legal_basis",
    "locations",
];
const ALLOW_KEYS: &[&str] = &["paths", "detectors", "fingerprints"];

struct Checker {
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    errors: Vec<PolicyError>,
    extra_top_keys: &'static [&'static str],
}

/// A table, whether written `[name]` or inline `{ … }`, with where it starts.
struct Table<'a> {
    table: &'a dyn TableLike,
    span: Span,
    /// `[operator]`, `[[purpose]] "orders"`: names it in messages.
    name: String,
}

impl Checker {
    fn new(text: &str) -> Checker {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Checker {
            line_starts,
            errors: Vec::new(),
            extra_top_keys: &[],
        }
    }

    fn line(&self, span: &Span) -> Option<usize> {
        span.as_ref()
            .map(|s| self.line_starts.partition_point(|&start| start <= s.start))
    }

    fn error(&mut self, span: Span, message: String) {
        let line = self.line(&span);
        self.errors.push(PolicyError { line, message });
    }

    fn policy(&mut self, root: &toml_edit::Table) -> Policy {
        let mut policy = Policy::default();
        let mut purpose_spans = Vec::new();
        let mut prohibited_spans = Vec::new();
        for (key, item) in root.iter() {
            let key_span = root.key(key).and_then(|k| k.span());
            match key {
                "operator" => {
                    if let Some(t) = self.table(item, key_span, "[operator]") {
                        policy.operator = self.operator(&t);
                    }
                }
                "purpose" => {
                    for t in self.tables(item, key_span) {
                        if let Some((p, spans)) = self.purpose(&t) {
                            policy.purposes.push(p);
                            purpose_spans.push(spans);
                        }
                    }
                }
                "prohibited" => {
                    let list = self.categories(item, key_span, "prohibited");
                    (policy.prohibited, prohibited_spans) = list.into_iter().unzip();
                }
                "allow" => {
                    if let Some(t) = self.table(item, key_span, "[allow]") {
                        policy.allow = self.allow(&t);
                    }
                }
                other if self.extra_top_keys.contains(&other) => {}
                other => self.unknown_key(key_span, other, "the top level", TOP_KEYS),
            }
        }
        self.cross_check(&policy, &purpose_spans, &prohibited_spans);
        policy
    }

    /// Checks that need the whole file: unique purpose ids, and no category
    /// both declared and prohibited.
    fn cross_check(
        &mut self,
        policy: &Policy,
        purpose_spans: &[PurposeSpans],
        prohibited_spans: &[Span],
    ) {
        let mut first_line: HashMap<&str, Option<usize>> = HashMap::new();
        for (p, spans) in policy.purposes.iter().zip(purpose_spans) {
            let line = self.line(&spans.id);
            match first_line.get(p.id.as_str()) {
                Some(first) => {
                    let at = first
                        .map(|l| format!(" (first at line {l})"))
                        .unwrap_or_default();
                    self.error(
                        spans.id.clone(),
                        format!("duplicate purpose id {:?}{at}", p.id),
                    );
                }
                None => {
                    first_line.insert(&p.id, line);
                }
            }
        }
        for (p, spans) in policy.purposes.iter().zip(purpose_spans) {
            for (c, span) in p.categories.iter().zip(&spans.categories) {
                if let Some(i) = policy.prohibited.iter().position(|x| x == c) {
                    let at = self
                        .line(&prohibited_spans[i])
                        .map(|l| format!(" (line {l})"))
                        .unwrap_or_default();
                    self.error(
                        span.clone(),
                        format!(
                            "purpose {:?} declares {c}, which `prohibited`{at} promises is never stored",
                            p.id
                        ),
                    );
                }
            }
        }
    }

    fn operator(&mut self, t: &Table<'_>) -> Operator {
        self.check_keys(t, OPERATOR_KEYS);
        let name = match self.required(
            t,
            "name",
            "the operator's legal name, e.g. \"ТОО «Example»\"",
        ) {
            Some((name, span)) if name.trim().is_empty() => {
                self.error(span, "[operator] name is empty".to_string());
                String::new()
            }
            Some((name, _)) => name,
            None => String::new(),
        };
        let bin = self.string(t, "bin").and_then(|(bin, span)| {
            if is_valid_bin(&bin) {
                Some(bin)
            } else {
                self.error(
                    span,
                    format!("[operator] bin {bin:?} is not a valid BIN (12 digits, last one a checksum)"),
                );
                None
            }
        });
        Operator { name, bin }
    }

    fn purpose(&mut self, t: &Table<'_>) -> Option<(Purpose, PurposeSpans)> {
        self.check_keys(t, PURPOSE_KEYS);
        let id = match self.required(t, "id", "a short name used in reports, e.g. \"orders\"") {
            Some((id, span)) => {
                if id.is_empty()
                    || !id
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
                {
                    self.error(
                        span.clone(),
                        format!("purpose id {id:?}: use letters, digits, '-', '_' and '.' only"),
                    );
                }
                Some((id, span))
            }
            None => None,
        };
        let name = match &id {
            Some((id, _)) => format!("[[purpose]] {id:?}"),
            None => t.name.clone(),
        };
        let t = Table {
            table: t.table,
            span: t.span.clone(),
            name,
        };
        let title = self
            .required(&t, "title", "what the purpose is, in words")
            .map(|(title, _)| title)
            .unwrap_or_default();
        let categories = match t.table.get_key_value("categories") {
            Some((key, item)) => {
                self.categories(item, key.span(), &format!("{} categories", t.name))
            }
            None => {
                self.missing(
                    &t,
                    "categories",
                    "the category ids it processes, e.g. [\"person_name\", \"phone\"]",
                );
                Vec::new()
            }
        };
        let retention = self
            .required(
                &t,
                "retention",
                "\"3y\", \"18m\", \"90d\", or \"none\" for no declared limit",
            )
            .and_then(|(r, span)| match Retention::parse(&r) {
                Ok(r) => Some(r),
                Err(e) => {
                    self.error(span, e);
                    None
                }
            });
        let legal_basis = self.string(&t, "legal_basis").map(|(s, _)| s);
        let locations = self
            .strings(&t, "locations")
            .into_iter()
            .filter_map(|(l, span)| match compile_location(&l) {
                Ok(_) => Some(l),
                Err(e) => {
                    self.error(span, format!("{} locations: {e}", t.name));
                    None
                }
            })
            .collect();
        let (id, id_span) = id?;
        let (categories, category_spans) = categories.into_iter().unzip();
        Some((
            Purpose {
                id,
                title,
                categories,
                // A bad retention is already an error; the placeholder only
                // lets the cross-file checks still see this purpose.
                retention: retention.unwrap_or(Retention::Unlimited),
                legal_basis,
                locations,
            },
            PurposeSpans {
                id: id_span,
                categories: category_spans,
            },
        ))
    }

    fn allow(&mut self, t: &Table<'_>) -> Allow {
        self.check_keys(t, ALLOW_KEYS);
        let paths = self
            .strings(t, "paths")
            .into_iter()
            .filter_map(|(p, span)| match compile_location(&p) {
                Ok(_) => Some(p),
                Err(e) => {
                    self.error(span, format!("[allow] paths: {e}"));
                    None
                }
            })
            .collect();
        let detectors = self
            .strings(t, "detectors")
            .into_iter()
            .filter_map(|(d, span)| {
                if d.trim().is_empty() {
                    self.error(span, "[allow] detectors: empty detector id".to_string());
                    None
                } else {
                    Some(d)
                }
            })
            .collect();
        let fingerprints = self
            .strings(t, "fingerprints")
            .into_iter()
            .filter_map(|(f, span)| {
                if !f.is_empty() && f.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Some(f.to_ascii_lowercase())
                } else {
                    self.error(
                        span,
                        format!("[allow] fingerprints: {f:?} is not a fingerprint (hex digits, as reports print them)"),
                    );
                    None
                }
            })
            .collect();
        Allow {
            paths,
            detectors,
            fingerprints,
        }
    }

    /// A list of category ids; unknown and repeated ones are errors.
    fn categories(&mut self, item: &Item, key_span: Span, what: &str) -> Vec<(Category, Span)> {
        let mut out: Vec<(Category, Span)> = Vec::new();
        for (id, span) in self.string_list(item, key_span, what) {
            match Category::from_id(&id) {
                Some(c) if out.iter().any(|(x, _)| *x == c) => {
                    self.error(span, format!("{what}: {id:?} is listed twice"));
                }
                Some(c) => out.push((c, span)),
                None => {
                    let known: Vec<&str> = Category::ALL.iter().map(|c| c.id()).collect();
                    self.error(
                        span,
                        format!(
                            "{what}: unknown category {id:?} (known: {})",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        out
    }

    fn check_keys(&mut self, t: &Table<'_>, allowed: &[&str]) {
        for (key, _) in t.table.iter() {
            if !allowed.contains(&key) {
                let span = t.table.key(key).and_then(|k| k.span());
                self.unknown_key(span, key, &t.name, allowed);
            }
        }
    }

    fn unknown_key(&mut self, span: Span, key: &str, place: &str, allowed: &[&str]) {
        let mut message = format!(
            "unknown key `{key}` in {place} (expected one of: {})",
            allowed.join(", ")
        );
        if TOP_KEYS.contains(&key) && place != "the top level" {
            message.push_str(
                "; top-level keys such as `prohibited` must come before the first [table]",
            );
        }
        self.error(span, message);
    }

    fn missing(&mut self, t: &Table<'_>, key: &str, hint: &str) {
        self.error(
            t.span.clone(),
            format!("{} has no `{key}`: add {key} = {hint}", t.name),
        );
    }

    /// A string value that must be there; a missing one is reported at the
    /// table's header.
    fn required(&mut self, t: &Table<'_>, key: &str, hint: &str) -> Option<(String, Span)> {
        if !t.table.contains_key(key) {
            self.missing(t, key, hint);
            return None;
        }
        self.string(t, key)
    }

    fn string(&mut self, t: &Table<'_>, key: &str) -> Option<(String, Span)> {
        let (k, item) = t.table.get_key_value(key)?;
        match item.as_value() {
            Some(Value::String(s)) => Some((s.value().clone(), s.span())),
            _ => {
                let span = item.span().or_else(|| k.span());
                self.error(
                    span,
                    format!(
                        "{} {key} must be a string, not {}",
                        t.name,
                        article(item.type_name())
                    ),
                );
                None
            }
        }
    }

    fn strings(&mut self, t: &Table<'_>, key: &str) -> Vec<(String, Span)> {
        match t.table.get_key_value(key) {
            Some((k, item)) => self.string_list(item, k.span(), &format!("{} {key}", t.name)),
            None => Vec::new(),
        }
    }

    fn string_list(&mut self, item: &Item, key_span: Span, what: &str) -> Vec<(String, Span)> {
        let Some(array) = item.as_value().and_then(Value::as_array) else {
            self.error(
                item.span().or(key_span),
                format!(
                    "{what} must be an array of strings, not {}",
                    article(item.type_name())
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in array.iter() {
            match v {
                Value::String(s) => out.push((s.value().clone(), s.span())),
                other => self.error(
                    other.span(),
                    format!(
                        "{what}: expected a string, found {}",
                        article(other.type_name())
                    ),
                ),
            }
        }
        out
    }

    fn table<'a>(&mut self, item: &'a Item, key_span: Span, name: &str) -> Option<Table<'a>> {
        match item.as_table_like() {
            Some(table) => Some(Table {
                table,
                span: item.span().or(key_span),
                name: name.to_string(),
            }),
            None => {
                self.error(
                    item.span().or(key_span),
                    format!("{name} must be a table, not {}", article(item.type_name())),
                );
                None
            }
        }
    }

    /// `[[purpose]]` tables, or an inline array of `{ … }` tables.
    fn tables<'a>(&mut self, item: &'a Item, key_span: Span) -> Vec<Table<'a>> {
        let name = |i: usize| format!("[[purpose]] number {}", i + 1);
        if let Some(aot) = item.as_array_of_tables() {
            return aot
                .iter()
                .enumerate()
                .map(|(i, t)| Table {
                    table: t,
                    span: t.span(),
                    name: name(i),
                })
                .collect();
        }
        if let Some(array) = item.as_value().and_then(Value::as_array) {
            let mut out = Vec::new();
            for (i, v) in array.iter().enumerate() {
                match v.as_inline_table() {
                    Some(t) => out.push(Table {
                        table: t,
                        span: v.span(),
                        name: name(i),
                    }),
                    None => self.error(
                        v.span(),
                        format!(
                            "{}: expected a table, found {}",
                            name(i),
                            article(v.type_name())
                        ),
                    ),
                }
            }
            return out;
        }
        self.error(
            item.span().or(key_span),
            format!(
                "`purpose` must be [[purpose]] tables, not {}",
                article(item.type_name())
            ),
        );
        Vec::new()
    }
}

/// Where a purpose's parts are, for checks across the whole file.
struct PurposeSpans {
    id: Span,
    categories: Vec<Span>,
}

fn article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

/// A Kazakh BIN: 12 digits whose last is the checksum shared with IINs (two
/// weighted sums mod 11). Written here rather than borrowed from the
/// detectors so that checking a policy file does not need a detector engine.
pub(crate) fn is_valid_bin(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 12 || s.len() != 12 {
        return false;
    }
    let sum = |weights: [u32; 11]| -> u32 {
        digits[..11]
            .iter()
            .zip(weights)
            .map(|(d, w)| d * w)
            .sum::<u32>()
            % 11
    };
    let mut check = sum([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    if check == 10 {
        check = sum([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
    }
    check != 10 && check == digits[11]
}

#[cfg(test)]
mod tests {
    use super::super::parse as parse_policy;
    use super::*;

    const VALID: &str = r#"
prohibited = ["card", "biometric"]

[operator]
name = "ТОО «Example»"
bin = "140340014652"

[[purpose]]
id = "orders"
title = "Order delivery"
categories = ["person_name", "phone", "address"]
retention = "3y"
legal_basis = "consent"
locations = ["db/*.sql#orders.*", "srv/app/logs/**"]

[[purpose]]
id = "logs"
title = "Security logs"
categories = ["ip_address"]
retention = "90d"

[allow]
paths = ["tests/fixtures/**"]
detectors = ["email"]
fingerprints = ["0123456789abcdef0123456789ABCDEF"]
"#;

    fn errors(text: &str) -> Vec<(Option<usize>, String)> {
        parse_policy(text)
            .expect_err("expected errors")
            .into_iter()
            .map(|e| (e.line, e.message))
            .collect()
    }

    #[test]
    fn valid_file_parses() {
        let p = parse_policy(VALID).unwrap();
        assert_eq!(p.operator.name, "ТОО «Example»");
        assert_eq!(p.operator.bin.as_deref(), Some("140340014652"));
        assert_eq!(p.prohibited, vec![Category::Card, Category::Biometric]);
        assert_eq!(p.purposes.len(), 2);
        let orders = &p.purposes[0];
        assert_eq!(orders.id, "orders");
        assert_eq!(
            orders.categories,
            vec![Category::PersonName, Category::Phone, Category::Address]
        );
        assert_eq!(orders.retention, Retention::Months(36));
        assert_eq!(orders.legal_basis.as_deref(), Some("consent"));
        assert_eq!(orders.locations.len(), 2);
        assert_eq!(p.purposes[1].retention, Retention::Days(90));
        assert!(p.purposes[1].locations.is_empty());
        assert_eq!(p.allow.detectors, vec!["email"]);
        assert_eq!(
            p.allow.fingerprints,
            vec!["0123456789abcdef0123456789abcdef"]
        );
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn empty_file_is_valid_but_warned() {
        let p = parse_policy("").unwrap();
        assert_eq!(p, Policy::default());
        assert_eq!(p.warnings().len(), 2);
    }

    #[test]
    fn inline_purpose_tables_are_accepted() {
        let p = parse_policy(
            "purpose = [{ id = \"a\", title = \"A\", categories = [\"email\"], retention = \"none\" }]\n",
        )
        .unwrap();
        assert_eq!(p.purposes[0].retention, Retention::Unlimited);
    }

    #[test]
    fn all_errors_are_reported_with_lines() {
        let text = "\
[operator]
name = \"X\"
bin = \"140340014653\"

[[purpose]]
id = \"a\"
title = \"A\"
categories = [\"email\", \"phone_number\", \"email\"]
retention = \"3 years\"
locations = [\"logs/[x\", \"ok/**\", \"db.sql#\"]
colour = \"red\"

[[purpose]]
id = \"a\"
title = \"A again\"
categories = [\"card\"]
prohibited = [\"card\"]
";
        let errs = errors(text);
        let lines: Vec<_> = errs.iter().map(|(l, _)| *l).collect();
        assert_eq!(
            lines,
            [3, 8, 8, 9, 10, 10, 11, 13, 14, 17].map(Some).to_vec(),
            "{errs:#?}"
        );
        let text_of = |line| {
            errs.iter()
                .filter(|(l, _)| *l == Some(line))
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        assert!(text_of(3).contains("not a valid BIN"));
        assert!(text_of(8).contains("unknown category \"phone_number\""));
        assert!(text_of(8).contains("\"email\" is listed twice"));
        assert!(text_of(9).contains("bad retention \"3 years\""));
        assert!(text_of(10).contains("logs/[x"));
        assert!(text_of(10).contains("nothing after '#'"));
        assert!(text_of(11).contains("unknown key `colour`"));
        assert!(
            text_of(13).contains("has no `retention`"),
            "{}",
            text_of(13)
        );
        assert!(text_of(14).contains("duplicate purpose id \"a\" (first at line 6)"));
        assert!(text_of(17).contains("must come before the first [table]"));
    }

    #[test]
    fn prohibited_and_declared_conflict() {
        let errs = errors(
            "prohibited = [\"card\"]\n[[purpose]]\nid = \"pay\"\ntitle = \"Pay\"\ncategories = [\"card\"]\nretention = \"1y\"\n",
        );
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, Some(5));
        assert!(errs[0].1.contains("`prohibited` (line 1)"), "{}", errs[0].1);
    }

    #[test]
    fn wrong_types_are_errors() {
        let errs = errors(
            "prohibited = \"card\"\n[operator]\nname = 5\nbin = 140340014652\n[[purpose]]\nid = \"a\"\ntitle = \"A\"\ncategories = [1]\nretention = \"1y\"\n",
        );
        let lines: Vec<_> = errs.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![Some(1), Some(3), Some(4), Some(8)], "{errs:#?}");
        assert!(errs[0]
            .1
            .contains("must be an array of strings, not a string"));
        assert!(errs[2].1.contains("must be a string, not an integer"));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let errs = errors("[operator]\nname = \"x\"\nbin = \n");
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].0, Some(3), "{errs:?}");
    }

    #[test]
    fn bin_checksum() {
        assert!(is_valid_bin("140340014652"));
        assert!(is_valid_bin("240740036857"));
        assert!(!is_valid_bin("240740036858"));
        assert!(!is_valid_bin("24074003685"));
        assert!(!is_valid_bin("２40740036857"));
    }
}
