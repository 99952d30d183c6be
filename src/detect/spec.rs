//! Detector files: the TOML that says what a detector looks for.
//!
//! ```toml
//! id = "kz-iin"
//! category = "iin"
//! description = "Kazakh individual identification number"
//! validator = "iin"            # a Rust validator, by name
//! priority = 20                # optional: who wins when two claim one span
//!
//! [candidates]                 # a built-in extractor, or `regex = '…'`
//! extractor = "digit-run"
//! lengths = [12]
//!
//! [context]                    # words that raise confidence nearby
//! window = 48                  # bytes before the value (half as many after)
//! kk = ["ЖСН"]
//! ru = ["ИИН"]
//! en = ["IIN"]                 # `word*` also matches inflected endings
//!
//! [confidence]
//! base = "medium"              # low | medium | high
//! formatted = "high"           # optional: written in a grouped/prefixed form
//! context = "high"             # optional: with a context keyword nearby
//! require_context = false      # optional: no keyword, no finding
//! ```

use super::validate::{Validator, MAX_DIGITS};
use super::DetectError;
use crate::model::{Category, Confidence};
use serde::Deserialize;

/// Built-in detector files, embedded at compile time. `tests/detectors.rs`
/// checks that every file under `detectors/` is listed here.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "detectors/kz-iin.toml",
        include_str!("../../detectors/kz-iin.toml"),
    ),
    (
        "detectors/kz-bin.toml",
        include_str!("../../detectors/kz-bin.toml"),
    ),
    (
        "detectors/phone.toml",
        include_str!("../../detectors/phone.toml"),
    ),
    (
        "detectors/email.toml",
        include_str!("../../detectors/email.toml"),
    ),
    (
        "detectors/card.toml",
        include_str!("../../detectors/card.toml"),
    ),
    (
        "detectors/kz-iban.toml",
        include_str!("../../detectors/kz-iban.toml"),
    ),
    (
        "detectors/ip-address.toml",
        include_str!("../../detectors/ip-address.toml"),
    ),
    (
        "detectors/id-document.toml",
        include_str!("../../detectors/id-document.toml"),
    ),
    (
        "detectors/birth-date.toml",
        include_str!("../../detectors/birth-date.toml"),
    ),
    (
        "detectors/person-name.toml",
        include_str!("../../detectors/person-name.toml"),
    ),
    (
        "detectors/address.toml",
        include_str!("../../detectors/address.toml"),
    ),
];

/// The built-in candidate extractors a detector file may name.
pub const EXTRACTORS: [&str; 10] = [
    "digit-run",
    "card-number",
    "phone-number",
    "kz-iban",
    "email",
    "ip-address",
    "id-document",
    "date",
    "person-name",
    "address",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinExtractor {
    /// A run of exactly `lengths` digits, nothing glued to it.
    DigitRun,
    /// 13–19 digits, plain or in groups (`4400 4301 2345 6789`, `3782-822463-10005`).
    CardNumber,
    /// `+…`, `8 …` and `7…` numbers in the ways people write them.
    PhoneNumber,
    /// `KZ` + 18 characters, plain or in groups of 4.
    KzIban,
    /// Around `@` and URL-encoded `%40`.
    Email,
    /// Dotted IPv4 (`85.12.34.56`) and IPv6 (`2a00:1450::200e`).
    IpAddress,
    /// 9 digits (Kazakh ID card) or `N` + 8 digits (Kazakh passport).
    IdDocument,
    /// `15.03.1985`, `15/03/1985`, `1985-03-15`, `15 марта 1985`,
    /// `1985 жылғы 15 наурыз`.
    Date,
    /// Capitalised words and initials with a name's evidence (see
    /// `detect::names`); graded: `base` for a bare pair, `formatted` for a
    /// patronymic or initials, `context` for a full ФИО or a keyword.
    PersonName,
    /// A street marker with the street's name, maybe a house, flat, city
    /// and postcode (see `detect::address`); graded like `person-name`.
    Address,
}

impl BuiltinExtractor {
    fn from_name(name: &str) -> Option<BuiltinExtractor> {
        Some(match name {
            "digit-run" => BuiltinExtractor::DigitRun,
            "card-number" => BuiltinExtractor::CardNumber,
            "phone-number" => BuiltinExtractor::PhoneNumber,
            "kz-iban" => BuiltinExtractor::KzIban,
            "email" => BuiltinExtractor::Email,
            "ip-address" => BuiltinExtractor::IpAddress,
            "id-document" => BuiltinExtractor::IdDocument,
            "date" => BuiltinExtractor::Date,
            "person-name" => BuiltinExtractor::PersonName,
            "address" => BuiltinExtractor::Address,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Extractor {
    Builtin(BuiltinExtractor),
    Regex {
        re: regex::Regex,
        /// Index of the `value` capture group, when the pattern has one: the
        /// value is that group, the rest is required surrounding text.
        value_group: Option<usize>,
    },
}

/// A loaded, checked detector.
#[derive(Debug, Clone)]
pub struct Detector {
    /// Interned for the process: matches carry it as `&'static str`.
    pub id: &'static str,
    pub category: Category,
    pub description: String,
    pub extractor: Extractor,
    /// Bit `n` set: a digit run of length `n` is a candidate (digit-run only).
    pub lengths: u32,
    pub validator: Validator,
    pub priority: i32,
    pub window: usize,
    pub keywords: Vec<String>,
    pub base: Confidence,
    pub formatted: Confidence,
    pub context: Confidence,
    pub require_context: bool,
    /// The keyword must be the value's neighbour: no other digits between
    /// them (`паспорт N12345678`, not `паспорт …, заказ 123456789`).
    pub adjacent: bool,
    /// Supporting words (`[context] support`): not enough for a value on
    /// their own, but near one that has its keyword they raise it to
    /// `supported` (an ID document's issuer, `выдан МВД РК`).
    pub support: Vec<String>,
    pub supported: Confidence,
    /// Where it came from, for error messages.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: String,
    category: String,
    description: String,
    validator: String,
    #[serde(default)]
    priority: Option<i32>,
    candidates: Candidates,
    #[serde(default)]
    context: Context,
    confidence: ConfidenceSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Candidates {
    #[serde(default)]
    extractor: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    lengths: Option<Vec<usize>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Context {
    #[serde(default)]
    window: Option<usize>,
    #[serde(default)]
    kk: Vec<String>,
    #[serde(default)]
    ru: Vec<String>,
    #[serde(default)]
    en: Vec<String>,
    #[serde(default)]
    adjacent: bool,
    #[serde(default)]
    support: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfidenceSpec {
    base: String,
    #[serde(default)]
    formatted: Option<String>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    require_context: bool,
    #[serde(default)]
    supported: Option<String>,
}

/// Detector ids as `&'static str`, each leaked once per process however
/// many engines are built.
fn intern(id: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static IDS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(&known) = ids.get(id) {
        return known;
    }
    let leaked: &'static str = Box::leak(id.to_string().into_boxed_str());
    ids.insert(leaked);
    leaked
}

const DEFAULT_WINDOW: usize = 48;
const MAX_WINDOW: usize = 256;

fn confidence(name: &str, what: &str) -> Result<Confidence, String> {
    match name {
        "low" => Ok(Confidence::Low),
        "medium" => Ok(Confidence::Medium),
        "high" => Ok(Confidence::High),
        _ => Err(format!(
            "unknown confidence {name:?} for {what} (expected low, medium or high)"
        )),
    }
}

/// Parses and checks one detector file. `source` names it in errors.
pub fn parse(source: &str, text: &str) -> Result<Detector, DetectError> {
    let fail = |msg: String| DetectError(format!("{source}: {msg}"));
    let f: File = toml::from_str(text).map_err(|e| fail(e.to_string().trim_end().to_string()))?;
    if f.id.is_empty()
        || !f
            .id
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
    {
        return Err(fail(format!(
            "detector id {:?} must be non-empty lower-case letters, digits, '-' or '_'",
            f.id
        )));
    }
    let category = Category::from_id(&f.category).ok_or_else(|| {
        fail(format!(
            "unknown category {:?} (known: {})",
            f.category,
            Category::ALL.map(Category::id).join(", ")
        ))
    })?;
    let validator = Validator::from_name(&f.validator).ok_or_else(|| {
        fail(format!(
            "unknown validator {:?} (known: {})",
            f.validator,
            Validator::NAMES.map(|(n, _)| n).join(", ")
        ))
    })?;
    let extractor = match (&f.candidates.extractor, &f.candidates.regex) {
        (Some(_), Some(_)) => {
            return Err(fail(
                "[candidates] takes either `extractor` or `regex`, not both".into(),
            ))
        }
        (None, None) => {
            return Err(fail(
                "[candidates] needs `extractor` (a built-in) or `regex`".into(),
            ))
        }
        (Some(name), None) => {
            Extractor::Builtin(BuiltinExtractor::from_name(name).ok_or_else(|| {
                fail(format!(
                    "unknown extractor {name:?} (known: {})",
                    EXTRACTORS.join(", ")
                ))
            })?)
        }
        (None, Some(pattern)) => {
            let re = regex::Regex::new(pattern)
                .map_err(|e| fail(format!("bad regex in [candidates]: {e}")))?;
            if re.is_match("") {
                return Err(fail(
                    "regex in [candidates] matches the empty string".into(),
                ));
            }
            let value_group = re.capture_names().position(|n| n == Some("value"));
            Extractor::Regex { re, value_group }
        }
    };
    let mut lengths = 0u32;
    match (&extractor, &f.candidates.lengths) {
        (Extractor::Builtin(BuiltinExtractor::DigitRun), Some(ls)) if !ls.is_empty() => {
            for &n in ls {
                if !(2..=MAX_DIGITS).contains(&n) {
                    return Err(fail(format!(
                        "digit-run length {n} out of range 2..={MAX_DIGITS}"
                    )));
                }
                lengths |= 1 << n;
            }
        }
        (Extractor::Builtin(BuiltinExtractor::DigitRun), _) => {
            return Err(fail(
                "the digit-run extractor needs `lengths = [...]` in [candidates]".into(),
            ))
        }
        (_, Some(_)) => {
            return Err(fail(
                "`lengths` only applies to the digit-run extractor".into(),
            ))
        }
        _ => {}
    }
    let window = f.context.window.unwrap_or(DEFAULT_WINDOW);
    if window > MAX_WINDOW {
        return Err(fail(format!(
            "[context] window {window} is larger than {MAX_WINDOW}"
        )));
    }
    let keywords: Vec<String> = f
        .context
        .kk
        .into_iter()
        .chain(f.context.ru)
        .chain(f.context.en)
        .collect();
    if let Some(k) = keywords
        .iter()
        .find(|k| k.trim_end_matches('*').trim().is_empty())
    {
        return Err(fail(format!("empty context keyword {k:?}")));
    }
    if let Some(k) = keywords
        .iter()
        .find(|k| k.trim_end_matches('*').contains('*'))
    {
        return Err(fail(format!(
            "context keyword {k:?}: `*` is only allowed at the end (any word ending)"
        )));
    }
    let base = confidence(&f.confidence.base, "base").map_err(fail)?;
    let formatted = match &f.confidence.formatted {
        Some(c) => confidence(c, "formatted").map_err(fail)?,
        None => base,
    };
    let context = match &f.confidence.context {
        Some(c) => confidence(c, "context").map_err(fail)?,
        None => base.max(formatted),
    };
    if let Some(k) = f.context.support.iter().find(|k| {
        k.trim_end_matches('*').trim().is_empty() || k.trim_end_matches('*').contains('*')
    }) {
        return Err(fail(format!("bad support word {k:?}")));
    }
    let supported = match &f.confidence.supported {
        Some(c) => confidence(c, "supported").map_err(fail)?,
        None => context,
    };
    if f.confidence.require_context && keywords.is_empty() {
        return Err(fail(
            "require_context is set but [context] lists no keywords".into(),
        ));
    }
    if f.description.trim().is_empty() {
        return Err(fail("description is empty".into()));
    }
    Ok(Detector {
        id: intern(&f.id),
        category,
        description: f.description.trim().to_string(),
        extractor,
        lengths,
        validator,
        priority: f.priority.unwrap_or(10),
        window,
        keywords,
        base,
        formatted,
        context,
        require_context: f.confidence.require_context,
        adjacent: f.context.adjacent,
        support: f.context.support,
        supported,
        source: source.to_string(),
    })
}
