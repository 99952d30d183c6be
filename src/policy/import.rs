//! Drafts a policy file from a privacy-policy text.
//!
//! The draft is for a person to review, so every value carries the clause
//! it was read from as a TOML comment. What is read:
//!
//! - the operator: the first «ТОО «…»» / «АО «…»» / ««…» ЖШС» / «… LLP»,
//!   and the first BIN (БИН / БСН) with a valid checksum;
//! - purposes: the numbered items (`1.`, `1)`, `а)`, `(а)`, `-`, `•`,
//!   `3.2.1`) under a heading such as «Цели обработки», «Мақсаттары»,
//!   «Purposes», or after a line such as «…в следующих целях:»; also rows
//!   of «Цель обработки | Персональные данные | Правовые основания» tables;
//! - categories: [`dictionary`] phrases. A purpose gets the ones its own item
//!   names; one that names none gets everything the text says it processes;
//! - prohibited: categories named after a negated storing verb («не хранит
//!   данные кредитной карты», «…сақтамаймыз», "we do not store") or after «за
//!   исключением»;
//! - retention: «в течение 3 лет», «не превышает 3 лет», «6 месяцев», «3 жыл
//!   бойы», "for 3 years" → `3y`, `6m`; «без ограничения срока» → `none`.
//!   A purpose's own item wins over a general statement about storage; with
//!   neither, the draft says `none` and marks it TODO;
//! - legal basis: `consent` when the text bases processing on consent.

use super::{parse::is_valid_bin, Retention};
use crate::model::Category;
use regex::Regex;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::LazyLock;

mod arguable;
mod dictionary;
mod input;
mod negation;

pub use input::{decode_text, text_of, Format};

/// The draft for a policy file, read by its format (see [`Format`]): the
/// text of a web page, Markdown, a `.docx`/`.odt`/`.rtf` document, a PDF,
/// or plain text in any supported encoding.
pub fn draft_file(path: &Path, bytes: &[u8]) -> Result<String, String> {
    let text = input::text_of(path, bytes)?;
    let mut out = draft(&text);
    let format = Format::detect(path, bytes);
    if format != Format::Text {
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some(ext) => format!(".{ext} file"),
            None => "file".to_string(),
        };
        out.insert_str(
            HEADER.len(),
            &format!("# Line numbers count lines of the text read from the {kind}.\n"),
        );
    }
    Ok(out)
}

/// Returns the TOML draft of a policy file for `text` (Russian, Kazakh or
/// English), with the clause behind each line as a comment.
pub fn draft(text: &str) -> String {
    let lines = clean_lines(text);
    let facts = Facts::read(&lines);
    facts.render()
}

// ---------------------------------------------------------------- reading

/// One line of the text with markup removed; `no` is 1-based, as in the file.
struct Line {
    no: usize,
    text: String,
}

/// Keeps line numbers as they are in the file, so comments point at the
/// right place; drops HTML tags and Word bookmarks that copy-paste leaves.
fn clean_lines(text: &str) -> Vec<Line> {
    static MARKUP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[^<>\n]*>|\[bookmark:[^\]]*\]").expect("valid"));
    text.lines()
        .enumerate()
        .map(|(i, raw)| {
            let t = MARKUP.replace_all(raw, " ");
            let t: String = t
                .chars()
                .map(|c| match c {
                    '\u{a0}' | '\u{202f}' => ' ',
                    // Hyphens of word processors («IP‑адрес», «аты‑жөні»).
                    '\u{2010}' | '\u{2011}' => '-',
                    c if c.is_control() && c != '\t' => ' ',
                    c => c,
                })
                .collect();
            Line {
                no: i + 1,
                text: t.trim().to_string(),
            }
        })
        .collect()
}

/// Where a value came from: a line and a short quote around it.
#[derive(Debug, Clone)]
struct Source {
    line: usize,
    quote: String,
}

impl Source {
    fn around(line: &Line, start: usize, end: usize) -> Source {
        Source {
            line: line.no,
            quote: excerpt(&line.text, start, end, 45),
        }
    }

    fn comment(&self) -> String {
        format!("line {}: «{}»", self.line, self.quote)
    }
}

/// A category named somewhere in the text.
#[derive(Debug, Clone)]
struct Mention {
    category: Category,
    negated: bool,
    source: Source,
}

/// A purpose as read, before rendering.
struct DraftPurpose {
    /// First and last line of the item and its whole text (items may span
    /// lines; table rows follow their purpose).
    line: usize,
    last_line: usize,
    text: String,
    title: String,
    /// Categories named in the item itself.
    own: Vec<Mention>,
    retention: Option<(Retention, Source)>,
    /// From a table's «Правовые основания» row.
    legal_basis: Option<(String, Source)>,
}

struct Facts {
    operator: Option<(String, Source)>,
    bin: Option<(String, Source)>,
    /// A BIN-looking number whose checksum fails: shown, not used.
    bad_bin: Option<(String, Source)>,
    mentions: Vec<Mention>,
    purposes: Vec<DraftPurpose>,
    /// The longest period a general statement about storage gives.
    general_retention: Option<(Retention, Source)>,
    /// Periods the text gives for one kind of data (tables, «cookie — 12
    /// месяцев»), the longest per category.
    category_retention: Vec<(Category, Retention, Source)>,
    /// What a person must decide: ambiguous negations, limits that are not
    /// periods.
    todos: Vec<(String, Source)>,
    consent: Option<Source>,
}

impl Facts {
    fn read(lines: &[Line]) -> Facts {
        let (operator, bin, bad_bin) = read_operator(lines);
        let (mentions, mut todos) = read_mentions(lines);
        todos.extend(read_non_periods(lines));
        todos.extend(read_arguable(lines));
        let category_retention = read_category_retention(lines);
        let mut purposes = read_purposes(lines);
        // A purpose whose every category has its own period keeps the longest.
        for p in purposes.iter_mut().filter(|p| p.retention.is_none()) {
            let own: Vec<Category> = p
                .own
                .iter()
                .filter(|m| !m.negated)
                .map(|m| m.category)
                .collect();
            let periods: Vec<&(Category, Retention, Source)> = own
                .iter()
                .filter_map(|c| category_retention.iter().find(|(rc, _, _)| rc == c))
                .collect();
            if !own.is_empty() && periods.len() == own.len() {
                let longest = periods
                    .iter()
                    .copied()
                    .reduce(|a, b| if longer(b.1, a.1) { b } else { a })
                    .expect("non-empty");
                p.retention = Some((longest.1, longest.2.clone()));
            }
        }
        let outside_purposes: Vec<&Line> = lines
            .iter()
            .filter(|l| {
                !purposes
                    .iter()
                    .any(|p| (p.line..=p.last_line).contains(&l.no))
            })
            .collect();
        Facts {
            operator,
            bin,
            bad_bin,
            mentions,
            general_retention: read_general_retention(&outside_purposes),
            category_retention,
            todos,
            purposes,
            consent: read_consent(lines),
        }
    }

    /// Categories the text promises are never stored, with the first such
    /// promise.
    fn prohibited(&self) -> Vec<(Category, Source)> {
        first_per_category(self.mentions.iter().filter(|m| m.negated))
    }

    /// Everything the text says is processed, minus what it prohibits.
    fn declared(&self) -> Vec<(Category, Source)> {
        let prohibited: Vec<Category> = self.prohibited().iter().map(|(c, _)| *c).collect();
        first_per_category(
            self.mentions
                .iter()
                .filter(|m| !m.negated && !prohibited.contains(&m.category)),
        )
    }
}

fn first_per_category<'a>(mentions: impl Iterator<Item = &'a Mention>) -> Vec<(Category, Source)> {
    let mut out: Vec<(Category, Source)> = Vec::new();
    for m in mentions {
        if !out.iter().any(|(c, _)| *c == m.category) {
            out.push((m.category, m.source.clone()));
        }
    }
    out.sort_by_key(|(c, _)| *c);
    out
}

// ------------------------------------------------------------- categories

/// The categories named on one line, each flagged when the text negates it.
fn mentions_in(line: &Line) -> Vec<Mention> {
    let paragraph = Paragraph {
        text: line.text.clone(),
        parts: vec![(0, 0)],
    };
    let scopes = negation::scopes(&line.text, false);
    paragraph_mentions(&paragraph, std::slice::from_ref(line), &scopes)
}

fn paragraph_mentions(p: &Paragraph, lines: &[Line], scopes: &negation::Scopes) -> Vec<Mention> {
    let text = p.text.as_str();
    let mut out = Vec::new();
    for (category, re) in dictionary::DICTIONARY.iter() {
        for m in re.find_iter(text) {
            if is_not_subject_data(*category, text, m.start(), m.end()) {
                continue;
            }
            out.push(Mention {
                category: *category,
                negated: scopes.is_prohibited(m.start()),
                source: p.source(lines, m.start(), m.end()),
            });
        }
    }
    out
}

/// Lines joined into the sentences they wrap: a line continues the one
/// before when that one ends without punctuation and this one starts in
/// lower case, with no list marker and outside tables.
struct Paragraph {
    text: String,
    /// (offset in `text`, index in the lines) where each line starts.
    parts: Vec<(usize, usize)>,
}

impl Paragraph {
    fn source(&self, lines: &[Line], start: usize, end: usize) -> Source {
        let &(offset, index) = self
            .parts
            .iter()
            .rev()
            .find(|(o, _)| *o <= start)
            .expect("the first part starts at 0");
        let line = &lines[index];
        let from = (start - offset).min(line.text.len());
        let to = end.saturating_sub(offset).clamp(from, line.text.len());
        Source::around(line, from, to)
    }
}

fn paragraphs(lines: &[Line]) -> Vec<Paragraph> {
    // A blank line does not end a sentence that has not ended: copied texts
    // often break one in two.
    let mut out: Vec<Paragraph> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.text.is_empty() {
            continue;
        }
        let continues = out.last().is_some_and(|p| {
            let prev = p.text.trim_end();
            !prev.ends_with(['.', ';', ':', '!', '?'])
                && !prev.contains(" | ")
                && !line.text.contains(" | ")
                && marker(&line.text).0 == Marker::None
                && line.text.chars().next().is_some_and(|c| !c.is_uppercase())
        });
        if continues {
            let p = out.last_mut().expect("checked");
            p.text.push(' ');
            p.parts.push((p.text.len(), i));
            p.text.push_str(&line.text);
        } else {
            out.push(Paragraph {
                text: line.text.clone(),
                parts: vec![(0, i)],
            });
        }
    }
    out
}

/// Every mention of the text with its negation, and a TODO for each
/// negation whose object only refers back to data named before it.
fn read_mentions(lines: &[Line]) -> (Vec<Mention>, Vec<(String, Source)>) {
    let mut mentions = Vec::new();
    let mut todos = Vec::new();
    let mut negated_list = false;
    for p in paragraphs(lines) {
        let in_list = negated_list && marker(&p.text).0 == Marker::Item;
        let scopes = negation::scopes(&p.text, in_list);
        negated_list = in_list || scopes.open_list;
        mentions.extend(paragraph_mentions(&p, lines, &scopes));
        for (clause, before) in &scopes.ambiguous {
            let named: Vec<&str> = dictionary::DICTIONARY
                .iter()
                .filter(|(_, re)| re.is_match(&p.text[before.clone()]))
                .map(|(c, _)| c.id())
                .collect();
            if !named.is_empty() {
                todos.push((
                    format!(
                        "this negation refers back to data named before it ({}); decide whether \
                         that is a promise never to store it (prohibited) or a narrower one",
                        named.join(", ")
                    ),
                    p.source(lines, clause.start, clause.end),
                ));
            }
        }
    }
    (mentions, todos)
}

/// A TODO at the first place each arguable construction occurs (see
/// [`arguable`]), with the other lines where it recurs.
fn read_arguable(lines: &[Line]) -> Vec<(String, Source)> {
    let mut first: Vec<Option<(Source, Vec<usize>)>> = vec![None; arguable::rule_count()];
    for p in paragraphs(lines) {
        for (rule, range) in arguable::find(&p.text) {
            let source = p.source(lines, range.start, range.end);
            match &mut first[rule] {
                None => first[rule] = Some((source, Vec::new())),
                Some((s, also)) => {
                    if s.line != source.line && !also.contains(&source.line) {
                        also.push(source.line);
                    }
                }
            }
        }
    }
    first
        .into_iter()
        .enumerate()
        .filter_map(|(rule, found)| {
            let (source, also) = found?;
            let mut what = arguable::what(rule).to_string();
            if !also.is_empty() {
                let shown: Vec<String> = also.iter().take(8).map(|l| l.to_string()).collect();
                let more = if also.len() > 8 { ", …" } else { "" };
                let _ = write!(what, " (also lines {}{more})", shown.join(", "));
            }
            Some((what, source))
        })
        .collect()
}

/// Mentions that name the operator's own contacts or numbers, or use a
/// name-word in an idiom, rather than data about people.
fn is_not_subject_data(category: Category, text: &str, start: usize, end: usize) -> bool {
    static OPERATOR_AFTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\W{0,3}(?:оператора|компании|администрации|операторға|компанияның|(?:of\s+)?the\s+(?:operator|company)|operator's|company's)\b")
            .expect("valid")
    });
    static EMAIL_LITERAL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[\w.+-]+@[\w-]+\.[\w.-]+").expect("valid"));
    // A label followed by its value («БИН/ИИН: 190440000695», «Номер счёта:
    // KZ77…») gives the operator's own details, not data it collects.
    static OWN_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:/\s*\w{2,4}\s*)?[:№]?\s*(?:\d{12}\b|KZ\d{2})").expect("valid")
    });
    // «Серверлер орналасқан жері», "server location": where the operator's
    // machines are, not where people are.
    static SERVERS_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:сервер\w*|servers?'?|хостинг\w*|hosting)\s+$").expect("valid")
    });
    static IDIOM_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bот\s+(?:своего\s+|его\s+|её\s+|ее\s+|их\s+|чужого\s+)?$").expect("valid")
    });
    let after = clause_after(text, end, 50);
    match category {
        Category::Email | Category::Phone => {
            OPERATOR_AFTER.is_match(after) || EMAIL_LITERAL.is_match(after)
        }
        Category::Iin | Category::Bin | Category::Iban => OWN_NUMBER.is_match(&text[end..]),
        Category::PersonName => IDIOM_BEFORE.is_match(&text[..start]),
        Category::Location => {
            OPERATOR_AFTER.is_match(after) || SERVERS_BEFORE.is_match(&text[..start])
        }
        // "SHA-256 fingerprints", «цифровой отпечаток»: hashes, not fingers.
        _ => false,
    }
}

/// Whether `text[i]` ends a sentence or clause: `;`, `!`, `?`, or a `.`
/// that is not inside a number such as `5.3.`.
fn is_clause_end(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    match b[i] {
        b';' | b'!' | b'?' => true,
        b'.' => !(i > 0 && b[i - 1].is_ascii_digit()),
        _ => false,
    }
}

/// Up to `max` bytes of the clause after `pos`.
fn clause_after(text: &str, pos: usize, max: usize) -> &str {
    let mut end = (pos + max).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let to = (pos..end).find(|&i| is_clause_end(text, i)).unwrap_or(end);
    &text[pos..to]
}

// --------------------------------------------------------------- operator

type Found = Option<(String, Source)>;

fn read_operator(lines: &[Line]) -> (Found, Found, Found) {
    static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?x)
            (?P<ru>ТОО|АО|ИП|Товариществ\w*\s+с\s+ограниченной\s+ответственностью|Акционерн\w+\s+обществ\w*)\s*[«"“](?P<ru_name>[^»"”\n]{1,80})[»"”]
            | [«"“](?P<kz_name>[^»"”\n]{1,80})[»"”]\s*(?P<kz>ЖШС|АҚ)\b
            | (?P<kz2>ЖШС|АҚ)\s*[«"“](?P<kz2_name>[^»"”\n]{1,80})[»"”]
            | (?P<en_name>\b[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,4})\s+(?P<en>LLP|LLC|JSC|Ltd\.?|Limited|Inc\.?)(?:\W|$)
            "#,
        )
        .expect("valid")
    });
    static BIN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?-i:\bБИН\b|\bБСН\b|\bBIN\b)\s*[:№]?\s*(\d{12})\b").expect("valid")
    });
    let mut operator = None;
    let mut bin = None;
    let mut bad_bin = None;
    for line in lines {
        // Tables list processors and partners, not the operator.
        if operator.is_none() && !line.text.contains(" | ") {
            if let Some(c) = ENTITY.captures(&line.text) {
                let whole = c.get(0).expect("match");
                let name = if let Some(n) = c.name("ru_name") {
                    let form = match &c["ru"] {
                        s if s.starts_with("Товарищ") => "ТОО",
                        s if s.starts_with("Акционерн") => "АО",
                        s => s,
                    };
                    format!("{form} «{}»", n.as_str().trim())
                } else if let Some(n) = c.name("kz_name") {
                    format!("«{}» {}", n.as_str().trim(), &c["kz"])
                } else if let Some(n) = c.name("kz2_name") {
                    format!("«{}» {}", n.as_str().trim(), &c["kz2"])
                } else {
                    format!("{} {}", c["en_name"].trim(), &c["en"])
                };
                operator = Some((name, Source::around(line, whole.start(), whole.end())));
            }
        }
        if bin.is_none() {
            for c in BIN.captures_iter(&line.text) {
                let number = c[1].to_string();
                let whole = c.get(0).expect("match");
                let source = Source::around(line, whole.start(), whole.end());
                if is_valid_bin(&number) {
                    bin = Some((number, source));
                    break;
                } else if bad_bin.is_none() {
                    bad_bin = Some((number, source));
                }
            }
        }
    }
    (operator, bin, bad_bin)
}

// --------------------------------------------------------------- purposes

/// How a line starts.
#[derive(Debug, Clone, PartialEq)]
enum Marker {
    /// `7.`, `3.2.1`, `7.1.` (a bare number needs its dot: «3 лет» is text).
    Clause(Vec<u32>),
    /// `1)`, `(а)`, `- 1)`, `-`, `•`.
    Item,
    None,
}

/// The marker and the text after it.
fn marker(text: &str) -> (Marker, &str) {
    static CLAUSE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(\d{1,3}(?:\.\d{1,3})*)(\.)?(?:\s+|$)").expect("valid"));
    static ITEM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[-–—•·*▪]\s*)?\(?(?:\d{1,2}|[a-zа-яёәіңғүұқөһ])\)\s*|^[-–—•·*▪]\s+")
            .expect("valid")
    });
    if let Some(m) = ITEM.find(text) {
        return (Marker::Item, &text[m.end()..]);
    }
    if let Some(c) = CLAUSE.captures(text) {
        let number = &c[1];
        if number.contains('.') || c.get(2).is_some() {
            let parts = number.split('.').filter_map(|p| p.parse().ok()).collect();
            return (
                Marker::Clause(parts),
                &text[c.get(0).expect("match").end()..],
            );
        }
    }
    (Marker::None, text)
}

fn is_child(clause: &[u32], parent: &[u32]) -> bool {
    clause.len() > parent.len() && clause.starts_with(parent)
}

/// A short line without sentence punctuation at its end: a section title.
fn is_heading(rest: &str) -> bool {
    let words = rest.split_whitespace().count();
    (1..=10).contains(&words) && !rest.ends_with([';', ':', ','])
}

fn is_purpose_heading(rest: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\bцел[иь]\s+обработки|мақсат|\bpurposes?\b|\b(?:why|how)\s+we\s+use\b|\bзачем\b|\bне\s+үшін\b|\bдля\s+чего\b").expect("valid")
    });
    is_heading(rest) && RE.is_match(rest)
}

/// «…в следующих целях:», «…мынадай мақсаттарда:», "…for the following purposes:".
fn is_purpose_intro(rest: &str) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)(?:(?:следующих|нижеследующих|таких)\s+цел(?:ях|ей)|(?:такими|следующими)\s+целями(?:\s+как)?|\bцелях\s*(?:\([^()]*\))?|(?:мынадай|келесі|төмендегі)\s+мақсат\w*(?:\s+\w+){0,2}|мақсат\w*(?:\s+үшін)?|following\s+purposes|\bpurposes)\s*:\s*$",
        )
        .expect("valid")
    });
    RE.is_match(rest)
}

/// Rows of a «Цель обработки | Персональные данные | …» table.
enum TableRow<'a> {
    Purpose(&'a str),
    Data,
    Basis(&'a str),
    Retention,
    Other,
}

fn table_row(text: &str) -> TableRow<'_> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)^(?:(?P<p>цел[ьи]\s+обработки|өңдеу\s+мақсаты|purpose\s+of\s+processing)|(?P<d>(?:состав\s+|категории\s+)?персональн\w+\s+данн\w+|дербес\s+деректер|personal\s+data|categories\s+of\s+data)|(?P<b>правов\w+\s+основани\w+|құқықтық\s+негіз\w*|legal\s+basis)|(?P<r>срок\w*\s+(?:хранения|обработки)|сақтау\s+мерзімі|retention(?:\s+period)?)|(?P<o>виды\s+обработки|способы\s+обработки|өңдеу\s+әдістері|processing\s+operations))\s*(?:\t|:|\|)\s*(?P<rest>.*)$",
        )
        .expect("valid")
    });
    let Some(c) = RE.captures(text) else {
        return TableRow::Other;
    };
    let rest = c.name("rest").map_or("", |m| m.as_str()).trim();
    if c.name("p").is_some() {
        TableRow::Purpose(rest)
    } else if c.name("d").is_some() {
        TableRow::Data
    } else if c.name("b").is_some() {
        TableRow::Basis(rest)
    } else if c.name("r").is_some() {
        TableRow::Retention
    } else {
        TableRow::Other
    }
}

/// Which column of a table holds what, from its header row.
struct PurposeColumns {
    purpose: usize,
    data: usize,
    basis: Option<usize>,
    retention: Option<usize>,
}

fn purpose_table_header(text: &str) -> Option<PurposeColumns> {
    static PURPOSE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:цел[ьи](?:\s+обработки)?|мақсат\w*|өңдеу\s+мақсаты|purposes?(?:\s+of\s+processing)?)$").expect("valid")
    });
    static DATA: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:(?:состав\s+|категории\s+|перечень\s+)?(?:персональн\w+\s+)?данн\w+|дербес\s+деректер|деректер\w*|(?:personal\s+)?data|categories\s+of\s+(?:personal\s+)?data)$").expect("valid")
    });
    static BASIS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)основани|негіз|basis").expect("valid"));
    static RETENTION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:срок\w*|мерзім\w*|сақтау\s+мерзімі|retention(?:\s+period)?|period)")
            .expect("valid")
    });
    if !text.contains(" | ") {
        return None;
    }
    let cells: Vec<&str> = text.split(" | ").map(str::trim).collect();
    Some(PurposeColumns {
        purpose: cells.iter().position(|c| PURPOSE.is_match(c))?,
        data: cells.iter().position(|c| DATA.is_match(c))?,
        basis: cells.iter().position(|c| BASIS.is_match(c)),
        retention: cells.iter().position(|c| RETENTION.is_match(c)),
    })
}

fn purpose_table_row(line: &Line, columns: &PurposeColumns) -> Option<DraftPurpose> {
    let cells: Vec<&str> = line.text.split(" | ").collect();
    let title = cells.get(columns.purpose)?.trim();
    if title.is_empty() {
        return None;
    }
    // Each cell read as its own line, offsets kept for the quotes.
    let cell_line = |index: usize| -> Option<(usize, Line)> {
        let cell = cells.get(index)?;
        let start = cell.as_ptr() as usize - line.text.as_ptr() as usize;
        Some((
            start,
            Line {
                no: line.no,
                text: cell.to_string(),
            },
        ))
    };
    let own = cell_line(columns.data)
        .map(|(_, l)| mentions_in(&l))
        .unwrap_or_default();
    let retention = columns
        .retention
        .and_then(cell_line)
        .and_then(|(start, l)| {
            let r = bare_period(&l.text).or_else(|| retention_in(&l).map(|(r, _)| r))?;
            Some((r, Source::around(line, start, start + l.text.len())))
        });
    let legal_basis = columns.basis.and_then(cell_line).and_then(|(start, l)| {
        let basis = l.text.trim();
        (!basis.is_empty()).then(|| {
            (
                basis.to_string(),
                Source::around(line, start, start + l.text.len()),
            )
        })
    });
    Some(DraftPurpose {
        line: line.no,
        last_line: line.no,
        text: line.text.clone(),
        title: title_of(title),
        own,
        retention,
        legal_basis,
    })
}

/// «Для целей X обрабатываются: A, B», "For X we collect: A, B", «X
/// мақсатында … өңделеді: A, B»: a purpose line that names its own data.
fn purpose_with_data(line: &Line, rest: &str) -> Option<DraftPurpose> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?ix)^(?:
                (?:для\s+цел(?:ей|и)|в\s+целях)\s+(?P<ru>[^:;]{3,150}?),?\s+(?:(?:оператор|компания|общество|мы)\w*\s+)?(?:обрабатыва|собира|использу|запрашива)\w*(?:\s+следующие)?(?:\s+\w+){0,3}
              | for\s+(?:the\s+purposes?\s+of\s+)?(?P<en>[^:;]{3,150}?),?\s+we\s+(?:process|collect|use|need)(?:\s+the\s+following)?(?:\s+\w+){0,3}
              | (?P<kk>[^:;]{3,150}?)\s+(?:мақсатында|үшін)\s+(?:\w+\s+){0,3}(?:өңделеді|жиналады|пайдаланылады|өңдейміз|жинаймыз)
            )\s*:\s*(?P<data>.+)$",
        )
        .expect("valid")
    });
    let c = RE.captures(rest)?;
    let title = c.name("ru").or(c.name("en")).or(c.name("kk"))?.as_str();
    // Only the data after the colon belong to the purpose.
    let data = Line {
        no: line.no,
        text: c["data"].to_string(),
    };
    let own = mentions_in(&data);
    if own.is_empty() {
        return None;
    }
    Some(DraftPurpose {
        line: line.no,
        last_line: line.no,
        text: line.text.clone(),
        title: title_of(title),
        retention: retention_in(&data),
        own,
        legal_basis: None,
    })
}

/// An item of a purposes list while it is being read.
struct Item {
    line: usize,
    /// Last line of the item, when it continues over several.
    last_line: usize,
    text: String,
}

enum State {
    Outside,
    /// Under a purposes heading, before its list.
    Section(Option<Vec<u32>>),
    /// Reading a list whose items are children of `parent` (when numbered).
    List {
        parent: Option<Vec<u32>>,
        /// Next bare number expected when the list itself uses `1.`, `2.`.
        next_number: u32,
    },
}

fn read_purposes(lines: &[Line]) -> Vec<DraftPurpose> {
    let mut items: Vec<Item> = Vec::new();
    let mut table: Vec<DraftPurpose> = Vec::new();
    let mut state = State::Outside;
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.text.is_empty() {
            i += 1;
            continue;
        }
        let (mark, rest) = marker(&line.text);
        // A table whose header names a purpose column and a data column:
        // each row below it is a purpose with its own data.
        if let Some(columns) = purpose_table_header(&line.text) {
            let mut j = i + 1;
            while let Some(row) = lines.get(j).filter(|l| l.text.contains(" | ")) {
                if let Some(p) = purpose_table_row(row, &columns) {
                    table.push(p);
                }
                j += 1;
            }
            state = State::Outside;
            i = j;
            continue;
        }
        // «Для целей X обрабатываются: A, B»: a purpose that names its data.
        if let Some(p) = purpose_with_data(line, rest) {
            table.push(p);
            i += 1;
            continue;
        }
        // Table rows can sit anywhere; they have their own labels.
        match table_row(&line.text) {
            TableRow::Purpose(title) => {
                table.push(new_table_purpose(line, title));
                state = State::Outside;
                i += 1;
                continue;
            }
            row @ (TableRow::Data | TableRow::Basis(_) | TableRow::Retention)
                if !table.is_empty() =>
            {
                add_table_row(table.last_mut().expect("non-empty"), line, row);
                i += 1;
                continue;
            }
            _ => {}
        }
        match &state {
            State::Outside => {
                if is_purpose_intro(rest) {
                    state = list_after(&mark);
                } else if is_purpose_heading(rest) {
                    state = State::Section(match mark {
                        Marker::Clause(c) => Some(c),
                        _ => None,
                    });
                }
                i += 1;
            }
            State::Section(section) => {
                let section = section.clone();
                if is_purpose_intro(rest) {
                    state = list_after(&mark);
                    i += 1;
                } else if mark == Marker::Item
                    || matches!((&mark, &section), (Marker::Clause(c), Some(s)) if is_child(c, s))
                    || matches!((&mark, &section), (Marker::Clause(c), None) if c[..] == [1])
                {
                    // The heading's own items, with no intro line.
                    state = State::List {
                        parent: section,
                        next_number: 1,
                    };
                } else if matches!(mark, Marker::Clause(_)) || is_heading(rest) {
                    state = State::Outside;
                } else {
                    i += 1;
                }
            }
            State::List {
                parent,
                next_number,
            } => {
                let (parent, next_number) = (parent.clone(), *next_number);
                let continues = match (&mark, &parent) {
                    (Marker::Item, _) => true,
                    (Marker::Clause(c), Some(p)) => is_child(c, p),
                    (Marker::Clause(c), None) => c.len() == 1 && c[0] == next_number,
                    (Marker::None, _) => items
                        .last()
                        .is_some_and(|it| it.line < line.no && !it.text.ends_with(['.', ';'])),
                };
                if !continues {
                    state = State::Outside;
                    continue;
                }
                match mark {
                    Marker::None => {
                        let last = items.last_mut().expect("checked above");
                        last.text.push(' ');
                        last.text.push_str(rest);
                        last.last_line = line.no;
                    }
                    Marker::Clause(ref c) if parent.is_none() => {
                        state = State::List {
                            parent: None,
                            next_number: c[0] + 1,
                        };
                        push_items(&mut items, line.no, rest);
                    }
                    _ => push_items(&mut items, line.no, rest),
                }
                i += 1;
            }
        }
    }
    let mut purposes: Vec<DraftPurpose> = items
        .into_iter()
        .filter(|it| !it.text.trim().is_empty())
        .map(list_purpose)
        .collect();
    purposes.extend(table);
    purposes.sort_by_key(|p| p.line);
    purposes
}

fn list_after(mark: &Marker) -> State {
    State::List {
        parent: match mark {
            Marker::Clause(c) => Some(c.clone()),
            _ => None,
        },
        next_number: 1,
    }
}

/// One line can hold several items: «…; 4) предоставления…».
fn push_items(items: &mut Vec<Item>, line: usize, text: &str) {
    static INLINE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r";\s+\(?(?:\d{1,2}|[a-zа-яёәіңғүұқөһ])\)\s+").expect("valid"));
    let mut from = 0;
    for m in INLINE.find_iter(text) {
        items.push(Item {
            line,
            last_line: line,
            text: text[from..m.start() + 1].trim().to_string(),
        });
        from = m.end();
    }
    items.push(Item {
        line,
        last_line: line,
        text: text[from..].trim().to_string(),
    });
}

fn list_purpose(item: Item) -> DraftPurpose {
    // An item's text may join several lines: read it as one line numbered
    // where the item starts.
    let pseudo = Line {
        no: item.line,
        text: item.text.clone(),
    };
    let own = mentions_in(&pseudo);
    DraftPurpose {
        line: item.line,
        last_line: item.last_line,
        title: title_of(&item.text),
        retention: retention_in(&pseudo),
        text: item.text,
        own,
        legal_basis: None,
    }
}

fn new_table_purpose(line: &Line, title: &str) -> DraftPurpose {
    DraftPurpose {
        line: line.no,
        last_line: line.no,
        text: title.to_string(),
        title: title_of(title),
        own: Vec::new(),
        retention: None,
        legal_basis: None,
    }
}

fn add_table_row(purpose: &mut DraftPurpose, line: &Line, row: TableRow<'_>) {
    purpose.last_line = line.no;
    match row {
        TableRow::Data => purpose.own.extend(mentions_in(line)),
        TableRow::Basis(basis) if !basis.is_empty() => {
            let start = line.text.len() - basis.len();
            purpose.legal_basis = Some((
                basis.to_string(),
                Source::around(line, start, line.text.len()),
            ));
        }
        TableRow::Retention => {
            if let Some(r) = retention_in(line) {
                purpose.retention = Some(r);
            }
        }
        _ => {}
    }
}

/// The item's first clause, capitalised and cut to a readable length.
fn title_of(text: &str) -> String {
    static CUT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s[–—-]\s|;|:\s").expect("valid"));
    let head = CUT.find(text).map_or(text, |m| &text[..m.start()]);
    let head = head.trim().trim_end_matches(['.', ',', ';', ':']).trim();
    let mut title = shorten(head, 90);
    if let Some(first) = title.chars().next() {
        let upper: String = first.to_uppercase().collect();
        title.replace_range(..first.len_utf8(), &upper);
    }
    title
}

// -------------------------------------------------------------- retention

/// The longest period `line` states («в течение 3 лет», «6 ай бойы», "for
/// 90 days"), or `none` for «без ограничения срока» and the like.
fn retention_in(line: &Line) -> Option<(Retention, Source)> {
    static PERIOD: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        let num = r"(?P<num>\d{1,3}|один|одного|два|двух|три|трех|трёх|четыре|четырех|четырёх|пять|пяти|шесть|шести|семь|семи|восемь|восьми|девять|девяти|десять|десяти|двенадцать|двенадцати|тридцать|тридцати|бір|екі|үш|төрт|бес|алты|жеті|сегіз|тоғыз|он|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty)";
        let words = r"(?:\s*\([^()]{1,20}\))?";
        [
            format!(r"(?i)(?:в\s+течение|сроком(?:\s+на)?|на\s+срок|не\s+(?:более|дольше|превыша\w*)|\bдо)\s+{num}{words}\s+(?P<unit>лет|год\w*|месяц\w*|(?:календарных\s+)?(?:дней|дня|день)|сут\w*|недел\w*)\b"),
            // «в течение года»: one of the unit.
            r"(?i)в\s+течение\s+(?P<unit>года|месяца|суток|недели)\b".to_string(),
            // A bare «6 месяцев» only next to a storing verb or «с момента»:
            // elsewhere «N лет» is as likely an age.
            format!(r"(?i)\b(?:хран\w*|сохраня\w*)\s+(?:[^\s.;,]+\s+){{0,3}}?{num}{words}\s+(?P<unit>лет|год\w*|месяц\w*|(?:календарных\s+)?(?:дней|дня|день)|сут\w*|недел\w*)\b"),
            format!(r"(?i)\b{num}{words}\s+(?P<unit>лет|год\w*|месяц\w*|(?:календарных\s+)?(?:дней|дня|день)|сут\w*|недел\w*)\s+(?:с\s+момента|со\s+дня|с\s+даты|после)"),
            format!(r"(?i)\b{num}{words}\s+(?P<unit>жыл|ай|күн|апта)\w*\s+(?:бойы|ішінде|мерзім\w*|сақта\w*|өткен\w*)"),
            format!(r"(?i)\b(?:deleted|erased|destroyed|removed)\s+(?:after|within)\s+{num}{words}\s+(?P<unit>years?|months?|weeks?|days?)\b"),
            format!(r"(?i)\b(?:for|within|up\s+to|no\s+(?:longer|more)\s+than|not\s+(?:exceeding|more\s+than)|(?:a\s+)?(?:period|maximum)\s+of)\s+(?:(?:a\s+)?(?:period|maximum)\s+of\s+)?(?:up\s+to\s+)?{num}{words}\s+(?P<unit>years?|months?|weeks?|days?)\b"),
        ]
        .iter()
        .map(|p| Regex::new(p).expect("valid"))
        .collect()
    });
    static UNLIMITED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)без\s+ограничения\s+срока|бессрочно|в\s+течение\s+неограниченного\s+срока|мерзімсіз|шектеусіз\s+мерзім\w*|\bindefinitely\b|without\s+(?:a\s+)?time\s+limit|for\s+an\s+unlimited\s+period")
            .expect("valid")
    });
    let text = line.text.as_str();
    if let Some(m) = UNLIMITED.find(text) {
        return Some((
            Retention::Unlimited,
            Source::around(line, m.start(), m.end()),
        ));
    }
    let mut best: Option<(u32, Retention, Source)> = None;
    for re in PERIOD.iter() {
        for c in re.captures_iter(text) {
            let n = c.name("num").map_or(Some(1), |m| number(m.as_str()));
            let Some(n) = n else { continue };
            let (days, retention) = period(n, &c["unit"]);
            if n == 0 || best.as_ref().is_some_and(|(d, _, _)| *d >= days) {
                continue;
            }
            let m = c.get(0).expect("match");
            // «3 года после удаления аккаунта»: counted from an event, not
            // from collection; read_non_periods makes it a TODO.
            if counted_from_event(text, m.start(), m.end()) {
                continue;
            }
            best = Some((days, retention, Source::around(line, m.start(), m.end())));
        }
    }
    best.map(|(_, r, s)| (r, s))
}

/// Events other than collection that a period can be counted from: the
/// end of an account, a contract, a consent («после удаления аккаунта», «с
/// момента прекращения договора», "after you close your account",
/// «жойылғаннан кейін»).
const EVENT_RU_EN: &str = r"(?:удалени|закрыти|прекращени|расторжени|окончани|истечени|отзыв|деактиваци|последн|завершени|увольнени|исполнени|delet|clos|terminat|end\b|expir|withdraw|cancel|last\b|deactivat|complet)";
const EVENT_KK: &str = r"(?:жойыл|жабыл|тоқтатыл|аяқтал|бұзыл|қайтарыл|өшіріл)\w*\s+кейін";

/// Whether the period at `text[start..end]` runs from such an event: the
/// event follows it («3 года после удаления»), or in Kazakh precedes it
/// («жойылғаннан кейін 1 жыл»).
fn counted_from_event(text: &str, start: usize, end: usize) -> bool {
    static AFTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(&format!(
            r"(?i)^[^.;]*?(?:лет|год\w*|месяц\w*|дн\w*|день|сут\w*|недел\w*|years?|months?|weeks?|days?)\s*(?:\([^()]*\)\s*)?(?:после|с\s+момента|со\s+дня|с\s+даты|after|following|from)\s+(?:\w+\s+){{0,2}}?{EVENT_RU_EN}"
        ))
        .expect("valid")
    });
    static BEFORE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(&format!(r"(?i){EVENT_KK}\s*$")).expect("valid"));
    let mut to = (end + 80).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    AFTER.is_match(&text[start..to]) || BEFORE.is_match(&text[..start])
}

/// `n` units as (days, retention).
fn period(n: u32, unit: &str) -> (u32, Retention) {
    let unit = unit.to_lowercase();
    let is = |stems: &[&str]| stems.iter().any(|u| unit.starts_with(u));
    if is(&["лет", "год", "жыл", "year"]) {
        (n * 365, Retention::Months(n * 12))
    } else if is(&["месяц", "мес", "ай", "month"]) {
        (n * 30, Retention::Months(n))
    } else if is(&["недел", "апта", "week"]) {
        (n * 7, Retention::Days(n * 7))
    } else {
        (n, Retention::Days(n))
    }
}

/// A bare period at the start of `s`: «5 лет», «12 месяцев», «1 жыл», "30
/// days", as a table cell or after a dash gives it.
fn bare_period(s: &str) -> Option<Retention> {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*(?:в\s+течение\s+|до\s+|for\s+|up\s+to\s+)?(?P<num>\d{1,3}|один|одного|два|двух|три|трех|трёх|пять|шесть|бір|екі|үш|бес|алты|one|two|three|five|six|twelve)(?:\s*\([^()]{1,20}\))?\s*(?P<unit>лет|год\w*|месяц\w*|мес\b\.?|дн\w*|день|сут\w*|недел\w*|жыл\w*|ай\b|айға|күн\w*|апта\w*|years?|months?|weeks?|days?)")
            .expect("valid")
    });
    let c = RE.captures(s)?;
    let n = number(&c["num"])?;
    (n > 0).then(|| period(n, &c["unit"]).1)
}

fn number(s: &str) -> Option<u32> {
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    let n = match s.to_lowercase().as_str() {
        "один" | "одного" | "бір" | "one" => 1,
        "два" | "двух" | "екі" | "two" => 2,
        "три" | "трех" | "трёх" | "үш" | "three" => 3,
        "четыре" | "четырех" | "четырёх" | "төрт" | "four" => 4,
        "пять" | "пяти" | "бес" | "five" => 5,
        "шесть" | "шести" | "алты" | "six" => 6,
        "семь" | "семи" | "жеті" | "seven" => 7,
        "восемь" | "восьми" | "сегіз" | "eight" => 8,
        "девять" | "девяти" | "тоғыз" | "nine" => 9,
        "десять" | "десяти" | "он" | "ten" => 10,
        "двенадцать" | "двенадцати" | "twelve" => 12,
        "тридцать" | "тридцати" | "thirty" => 30,
        _ => return None,
    };
    Some(n)
}

/// A period stated about keeping data in general, outside the purposes
/// («Срок обработки … не превышает 3 лет»). Only sentences about storing or
/// processing count: «ответ в течение 10 дней» is not a retention period.
fn read_general_retention(lines: &[&Line]) -> Option<(Retention, Source)> {
    static ABOUT_KEEPING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)хран|обработ|сақта|өңде|retain|retention|\bstor(?:e|ed|age)\b|\bkept\b|\bkeep\b",
        )
        .expect("valid")
    });
    // Data deleted after a period were kept for it («6 ай ішінде жойылады»,
    // "deleted after 90 days"), and a consent valid for a period bounds the
    // processing it allows («Согласие действует в течение 3 лет»).
    static DELETED_OR_CONSENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)удаля|уничтожа|жойыл|жойыла|\b(?:deleted|erased|destroyed)\b|согласи\w*\s+действ|келісім\w*\s+(?:\w+\s+){0,4}?(?:жарамды|қолданылады|күшінде)|consent\s+(?:is\s+)?valid",
        )
        .expect("valid")
    });
    // …but a deadline to delete on request is not a retention period.
    static ON_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)запрос|обращени|требовани|заявлени|отзыв|сұрау|өтініш|талап|request|\bask|withdraw")
            .expect("valid")
    });
    let mut best: Option<(Retention, Source)> = None;
    for line in lines {
        for sentence in sentences(&line.text) {
            let deletion = DELETED_OR_CONSENT.is_match(sentence) && !ON_REQUEST.is_match(sentence);
            if !ABOUT_KEEPING.is_match(sentence) && !deletion {
                continue;
            }
            let pseudo = Line {
                no: line.no,
                text: sentence.to_string(),
            };
            if let Some((r, s)) = retention_in(&pseudo) {
                if best.as_ref().map_or(true, |(b, _)| longer(r, *b)) {
                    best = Some((r, s));
                }
            }
        }
    }
    best
}

/// Periods given for one kind of data: a table with a period column (the
/// row's categories, or the one its first header names: "Cookie | … |
/// Lifetime"), or a line that is only «номер телефона — 5 лет». The longest
/// per category.
fn read_category_retention(lines: &[Line]) -> Vec<(Category, Retention, Source)> {
    static PERIOD_COLUMN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:срок\w*(?:\s+\w+)?|мерзім\w*|сақтау\s+мерзімі|lifetime|retention(?:\s+period)?|(?:storage\s+)?period|duration|expiry|expires)$")
            .expect("valid")
    });
    static DASH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:\s+\p{L}+){0,2}?\s*(?:\([^()]*\)\s*)?[—–:-]\s*(?:(?:хранятся|хранится|сақталады|are\s+kept|is\s+kept|stored)\s+)?").expect("valid")
    });
    let mut found: Vec<(Category, Retention, Source)> = Vec::new();
    let mut keep = |category: Category, retention: Retention, source: Source| match found
        .iter_mut()
        .find(|(c, _, _)| *c == category)
    {
        Some(entry) if longer(retention, entry.1) => *entry = (category, retention, source),
        Some(_) => {}
        None => found.push((category, retention, source)),
    };
    let mut table: Option<(usize, Vec<Category>)> = None;
    for line in lines {
        let cells: Vec<&str> = line.text.split(" | ").map(str::trim).collect();
        if cells.len() < 2 {
            table = None;
        } else if let Some(col) = cells.iter().position(|c| PERIOD_COLUMN.is_match(c)) {
            let header_categories = mentions_in(&Line {
                no: line.no,
                text: cells[0].to_string(),
            })
            .into_iter()
            .map(|m| m.category)
            .collect();
            table = Some((col, header_categories));
            continue;
        } else if let Some((col, header)) = &table {
            let Some(retention) = cells.get(*col).and_then(|c| bare_period(c)) else {
                continue;
            };
            // Offsets from the untrimmed cells, so the quote starts on a char boundary.
            let start = line
                .text
                .split(" | ")
                .take(*col)
                .map(|c| c.len() + 3)
                .sum::<usize>();
            let source = Source::around(line, start.min(line.text.len()), line.text.len());
            let mut categories: Vec<Category> =
                mentions_in(line).into_iter().map(|m| m.category).collect();
            if categories.is_empty() {
                categories = header.clone();
            }
            for c in categories {
                keep(c, retention, source.clone());
            }
            continue;
        }
        // «номер телефона — 5 лет»: the line is the category and its period.
        let rest = marker(&line.text).1;
        let rest_start = line.text.len() - rest.len();
        for m in mentions_in(line).iter().filter(|m| !m.negated) {
            let Some(found_at) = dictionary::DICTIONARY
                .iter()
                .find(|(c, _)| *c == m.category)
                .and_then(|(_, re)| re.find(rest))
            else {
                continue;
            };
            if found_at.start() > 0 {
                continue;
            }
            let after = &rest[found_at.end()..];
            if let Some(d) = DASH.find(after) {
                if let Some(retention) = bare_period(&after[d.end()..]) {
                    let at = rest_start + found_at.start();
                    keep(
                        m.category,
                        retention,
                        Source::around(line, at, line.text.len()),
                    );
                }
            }
        }
    }
    found.sort_by_key(|(c, _, _)| *c);
    found
}

/// Limits on keeping data that are not periods («до удаления аккаунта»,
/// «не дольше, чем этого требуют цели», "until you ask us to delete"): a
/// file date cannot be checked against them, so each becomes a TODO.
fn read_non_periods(lines: &[Line]) -> Vec<(String, Source)> {
    static NON_PERIOD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            &r"(?ix)
            не\s+дольше,?\s+чем\s+(?:этого\s+)?требу\w*
            | до\s+(?:момента\s+)?(?:достижени|удалени|отзыв|прекращени|истечени)\w*
            | определя\w*\s+(?:достижени|целям)\w*
            | в\s+течение\s+(?:срок|период)\w*\s+(?:действи|установленн)\w*
            | срок\w*,?\s+установленн\w*\s+законодательств\w*
            | сұрағанша | жой(?:ыл)?ғанша | қайтарып\s+алын?ғанша | қажет\s+мерзім\w*\s+дейін | жұмыс\s+істеп\s+тұрғанша | мерзімдері\s+бойынша
            | талап\s+ететін\s+мерзімнен\s+артық | сәйкес\s+айқындал\w*
            | аккаунт\w*\s+белсенді\s+болған\s+кезде | пока\s+(?:ваш\s+)?аккаунт\s+активен
            | while\s+(?:your\s+|the\s+)?account\s+is\s+active
            | until\s+(?:you\s+(?:ask|request|delete|withdraw)|(?:the\s+)?(?:account\s+)?deletion|consent\s+is\s+withdrawn)
            | until\s+(?:the\s+)?(?:data\s+subject|user|customer|client)\s+withdraws
            | қайтарып\s+алғанға\s+дейін | қайтарылып\s+алынғанға\s+дейін
            | (?:\d{1,3}|одного|двух|тр[её]х|пяти|one|two|three|five|бір|екі|үш|бес)\s*(?:\([^()]*\)\s*)?(?:лет|год\w*|месяц\w*|дн\w*|день|сут\w*|недел\w*|years?|months?|weeks?|days?)\s+(?:после|с\s+момента|со\s+дня|с\s+даты|after|following|from)\s+(?:\w+\s+){0,2}?EVENT_RU_EN
            | EVENT_KK\s+(?:\d{1,3}|бір|екі|үш|бес|он)\s+(?:жыл|ай|күн|апта)
            | as\s+long\s+as\s+(?:is\s+)?(?:needed|necessary|required)
            | no\s+longer\s+than\s+(?:is\s+)?(?:necessary|needed|required)
            | while\s+the\s+service\s+runs
            | according\s+to\s+\S+\s+retention
            "
            .replace("EVENT_RU_EN", EVENT_RU_EN)
            .replace("EVENT_KK", EVENT_KK),
        )
        .expect("valid")
    });
    static ABOUT_KEEPING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)хран|обработ|сақта|өңде|согласи|retain|retention|\bstor(?:e|ed|age)\b|\bkept\b|\bkeep\b|\bpersists?\b|how\s+long|\bprocess\w*|\bconsent\b")
            .expect("valid")
    });
    let mut out: Vec<(String, Source)> = Vec::new();
    // A heading about keeping data makes the items under it about keeping.
    let mut keeping_section = false;
    for p in paragraphs(lines) {
        let (mark, rest) = marker(&p.text);
        if mark != Marker::Item && is_heading(rest) && !rest.ends_with('.') && !rest.contains(" | ")
        {
            keeping_section = ABOUT_KEEPING.is_match(rest);
            continue;
        }
        // A table whose header names a storage period («Категория | Срок
        // хранения»): its rows are about keeping.
        if p.text.contains(" | ") && ABOUT_KEEPING.is_match(&p.text) {
            keeping_section = true;
        }
        for sentence in sentences(&p.text) {
            let offset = sentence.as_ptr() as usize - p.text.as_ptr() as usize;
            let Some(m) = NON_PERIOD.find(sentence) else {
                continue;
            };
            if !(keeping_section || ABOUT_KEEPING.is_match(sentence)) {
                continue;
            }
            let pseudo = Line {
                no: 0,
                text: sentence.to_string(),
            };
            if retention_in(&pseudo).is_some() {
                continue;
            }
            let source = p.source(lines, offset + m.start(), offset + m.end());
            if out.iter().any(|(_, s)| s.line == source.line) {
                continue;
            }
            out.push((
                "sets a limit on keeping data that is not a period (it cannot be checked \
                 against a file date); choose a period, or keep \"none\""
                    .to_string(),
                source,
            ));
        }
    }
    out
}

fn longer(a: Retention, b: Retention) -> bool {
    let days = |r| match r {
        Retention::Unlimited => u64::MAX,
        Retention::Months(m) => u64::from(m) * 30 + u64::from(m / 12) * 5,
        Retention::Days(d) => u64::from(d),
    };
    days(a) > days(b)
}

/// Sentences of a line: split after `.`, `!`, `?` followed by a space and a
/// capital letter (so «5.3.» and «т.д.» stay whole).
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for w in chars.windows(3) {
        let [(i, a), (_, b), (_, c)] = [w[0], w[1], w[2]];
        if matches!(a, '.' | '!' | '?') && b == ' ' && c.is_uppercase() && is_clause_end(text, i) {
            out.push(&text[from..=i]);
            from = i + 2;
        }
    }
    out.push(&text[from..]);
    out
}

// ------------------------------------------------------------ legal basis

/// The first sentence that bases processing on consent, preferring one that
/// says «основание» / "legal basis".
fn read_consent(lines: &[Line]) -> Option<Source> {
    static BASIS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)основани\w*[^.]{0,80}согласи|согласи\w*[^.]{0,80}основани|негіз\w*[^.]{0,80}келісім|келісім\w*[^.]{0,80}негіз|basis[^.]{0,80}consent|based\s+on\s+(?:your\s+)?consent")
            .expect("valid")
    });
    static CONSENT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)с\s+согласия\s+субъекта|согласие\s+на\s+обработку|согласие\s+[^.]{0,60}\s+условиями\s+обработки|келісім\w*\s+[^.]{0,40}өңде|consent\s+to\s+(?:the\s+)?processing|with\s+(?:your|the\s+data\s+subject's)\s+consent")
            .expect("valid")
    });
    static WITHDRAWAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)без\s+согласия|отз[ыо]в|отозва|келісімсіз|кері\s+қайтар|without\s+(?:your\s+|their\s+)?consent|withdraw").expect("valid")
    });
    for re in [&*BASIS, &*CONSENT] {
        for line in lines {
            for sentence in sentences(&line.text) {
                if WITHDRAWAL.is_match(sentence) {
                    continue;
                }
                if let Some(m) = re.find(sentence) {
                    let offset = sentence.as_ptr() as usize - line.text.as_ptr() as usize;
                    return Some(Source::around(line, offset + m.start(), offset + m.end()));
                }
            }
        }
    }
    None
}

// ------------------------------------------------------------- rendering

impl Facts {
    fn render(&self) -> String {
        let mut out = String::new();
        let declared = self.declared();
        let prohibited = self.prohibited();
        out.push_str(HEADER);
        out.push('\n');
        if declared.is_empty() {
            out.push_str("# TODO: the text names no kind of personal data tizim knows.\n");
        } else {
            out.push_str("# Data the text says is processed (first mention of each):\n");
            for (c, source) in &declared {
                let _ = writeln!(
                    out,
                    "#   {:<18} {}",
                    c.id(),
                    comment_text(&source.comment())
                );
            }
        }
        out.push('\n');

        if !self.category_retention.is_empty() {
            out.push_str(
                "# A purpose holds one period; one whose categories all have their own takes\n\
                 # the longest of them.\n",
            );
            out.push_str("# Periods the text gives for one kind of data (the longest of each):\n");
            for (c, r, source) in &self.category_retention {
                let _ = writeln!(
                    out,
                    "#   {:<18} {:<4} {}",
                    c.id(),
                    r.to_string(),
                    comment_text(&source.comment())
                );
            }
            out.push('\n');
        }
        if !self.todos.is_empty() {
            for (what, source) in &self.todos {
                let _ = writeln!(out, "# TODO: {}: {what}", comment_text(&source.comment()));
            }
            out.push('\n');
        }

        if prohibited.is_empty() {
            out.push_str(
                "# The text makes no promise never to store some kind of data.\nprohibited = []\n",
            );
        } else {
            out.push_str("# Promised never to be stored:\nprohibited = [\n");
            for (c, source) in &prohibited {
                let item = format!("    {},", toml_string(c.id()));
                let _ = writeln!(out, "{item:<26}# {}", comment_text(&source.comment()));
                // The same text also says it processes this kind of data.
                if let Some(m) = self
                    .mentions
                    .iter()
                    .find(|m| m.category == *c && !m.negated)
                {
                    let _ = writeln!(
                        out,
                        "{:<26}# also named as processed, {}: the prohibition wins; check it",
                        "",
                        comment_text(&m.source.comment())
                    );
                }
            }
            out.push_str("]\n");
        }
        out.push('\n');

        match &self.operator {
            Some((name, source)) => {
                out.push_str("[operator]\n");
                let _ = writeln!(
                    out,
                    "name = {}  # {}",
                    toml_string(name),
                    comment_text(&source.comment())
                );
                self.render_bin(&mut out);
            }
            None => {
                out.push_str(
                    "# TODO: the text names no operator (ТОО «…», АО «…», «…» ЖШС, … LLP).\n",
                );
                out.push_str("# [operator]\n# name = \"\"\n");
                match &self.bin {
                    Some((bin, source)) => {
                        let _ = writeln!(
                            out,
                            "# bin = {}  # {}",
                            toml_string(bin),
                            comment_text(&source.comment())
                        );
                    }
                    None => out.push_str("# bin = \"\"\n"),
                }
            }
        }

        let prohibited_ids: Vec<Category> = prohibited.iter().map(|(c, _)| *c).collect();
        let mut ids: Vec<String> = Vec::new();
        if self.purposes.is_empty() {
            out.push('\n');
            out.push_str("[[purpose]]\n");
            out.push_str("# TODO: the text lists no purposes of processing; split this one into the\n# real purposes, each with its own categories and retention.\n");
            out.push_str("id = \"processing\"\n");
            out.push_str("title = \"Processing of personal data (the text lists no purposes)\"\n");
            self.render_categories(
                &mut out,
                &[],
                &declared,
                &prohibited_ids,
                FALLBACK_CATEGORIES,
            );
            self.render_retention(&mut out, None);
            self.render_legal_basis(&mut out, None);
        }
        for p in &self.purposes {
            out.push('\n');
            out.push_str("[[purpose]]\n");
            let quote = format!("line {}: «{}»", p.line, p.text);
            for l in wrap(&quote, 96) {
                let _ = writeln!(out, "# {l}");
            }
            let id = unique_id(&slug(&p.title), &ids);
            let _ = writeln!(out, "id = {}", toml_string(&id));
            ids.push(id);
            let _ = writeln!(out, "title = {}", toml_string(&p.title));
            self.render_categories(
                &mut out,
                &p.own,
                &declared,
                &prohibited_ids,
                ITEM_CATEGORIES,
            );
            self.render_retention(&mut out, p.retention.as_ref());
            self.render_legal_basis(&mut out, p.legal_basis.as_ref());
        }
        self.render_unclaimed(&mut out, &declared, &prohibited_ids, &ids);
        out
    }

    /// Data the text names as processed that no purpose claims, when every
    /// purpose names its own (a cookie table beside a purposes table): a
    /// purpose of their own with a TODO, rather than dropping them, which
    /// would make every finding of them undeclared, or guessing a purpose.
    fn render_unclaimed(
        &self,
        out: &mut String,
        declared: &[(Category, Source)],
        prohibited: &[Category],
        ids: &[String],
    ) {
        let own: Vec<Vec<Category>> = self
            .purposes
            .iter()
            .map(|p| {
                p.own
                    .iter()
                    .filter(|m| !m.negated && !prohibited.contains(&m.category))
                    .map(|m| m.category)
                    .collect()
            })
            .collect();
        if own.is_empty() || own.iter().any(Vec::is_empty) {
            return;
        }
        let unclaimed: Vec<Mention> = declared
            .iter()
            .filter(|(c, _)| !own.iter().any(|o| o.contains(c)))
            .map(|(c, source)| Mention {
                category: *c,
                negated: false,
                source: source.clone(),
            })
            .collect();
        if unclaimed.is_empty() {
            return;
        }
        out.push_str("\n[[purpose]]\n");
        out.push_str(
            "# TODO: the text names these data as processed but ties them to none of the\n\
             # purposes above; move each to the purpose it serves, or keep this one.\n",
        );
        let _ = writeln!(
            out,
            "id = {}",
            toml_string(&unique_id("other-named-data", ids))
        );
        out.push_str("title = \"Data the text names outside its purposes\"\n");
        self.render_categories(out, &unclaimed, declared, prohibited, ITEM_CATEGORIES);
        // Periods the text gives for these data, when it gives one for each.
        let periods: Vec<&(Category, Retention, Source)> = unclaimed
            .iter()
            .filter_map(|m| {
                self.category_retention
                    .iter()
                    .find(|(c, _, _)| *c == m.category)
            })
            .collect();
        let own_period = (periods.len() == unclaimed.len())
            .then(|| {
                periods
                    .into_iter()
                    .reduce(|a, b| if longer(b.1, a.1) { b } else { a })
                    .map(|(_, r, s)| (*r, s.clone()))
            })
            .flatten();
        self.render_retention(out, own_period.as_ref());
        self.render_legal_basis(out, None);
    }

    fn render_bin(&self, out: &mut String) {
        match (&self.bin, &self.bad_bin) {
            (Some((bin, source)), _) => {
                let _ = writeln!(
                    out,
                    "bin = {}  # {}",
                    toml_string(bin),
                    comment_text(&source.comment())
                );
            }
            (None, Some((bin, source))) => {
                let _ = writeln!(
                    out,
                    "# TODO: {} fails the BIN checksum; check it against the register.\n# bin = {}  # {}",
                    bin,
                    toml_string(bin),
                    comment_text(&source.comment())
                );
            }
            (None, None) => out.push_str("# bin: the text gives no BIN\n"),
        }
    }

    fn render_categories(
        &self,
        out: &mut String,
        own: &[Mention],
        declared: &[(Category, Source)],
        prohibited: &[Category],
        why_all: &str,
    ) {
        let own = first_per_category(
            own.iter()
                .filter(|m| !m.negated && !prohibited.contains(&m.category)),
        );
        if !own.is_empty() {
            out.push_str("categories = [\n");
            for (c, source) in &own {
                let item = format!("    {},", toml_string(c.id()));
                let _ = writeln!(out, "{item:<26}# {}", comment_text(&source.comment()));
            }
            out.push_str("]\n");
        } else if declared.is_empty() {
            out.push_str("categories = []  # TODO: the text names no data for this purpose\n");
        } else {
            out.push_str(why_all);
            let list: Vec<String> = declared.iter().map(|(c, _)| toml_string(c.id())).collect();
            let line = format!("categories = [{}]", list.join(", "));
            if line.chars().count() <= 96 {
                let _ = writeln!(out, "{line}");
            } else {
                out.push_str("categories = [\n");
                for l in wrap(&format!("{},", list.join(", ")), 88) {
                    let _ = writeln!(out, "    {}", l.trim_start());
                }
                out.push_str("]\n");
            }
        }
    }

    fn render_retention(&self, out: &mut String, own: Option<&(Retention, Source)>) {
        match (own, &self.general_retention) {
            (Some((r, source)), _) => {
                let _ = writeln!(
                    out,
                    "retention = \"{r}\"  # {}",
                    comment_text(&source.comment())
                );
            }
            (None, Some((r, source))) => {
                let _ = writeln!(
                    out,
                    "retention = \"{r}\"  # the item names no period; the text's general rule, {}",
                    comment_text(&source.comment())
                );
            }
            (None, None) => out.push_str(
                "retention = \"none\"  # TODO: the text sets no period; \"none\" declares no limit\n",
            ),
        }
    }

    fn render_legal_basis(&self, out: &mut String, own: Option<&(String, Source)>) {
        match (own, &self.consent) {
            (Some((basis, source)), _) => {
                let _ = writeln!(
                    out,
                    "legal_basis = {}  # line {}",
                    toml_string(basis),
                    source.line
                );
            }
            (None, Some(source)) => {
                let _ = writeln!(
                    out,
                    "legal_basis = \"consent\"  # {}",
                    comment_text(&source.comment())
                );
            }
            (None, None) => out.push_str("# legal_basis: TODO, the text states none\n"),
        }
    }
}

const ITEM_CATEGORIES: &str = "\
# categories: the item names no data; these are all the data the text says
# it processes (see the top). Keep only what this purpose needs.
";
const FALLBACK_CATEGORIES: &str = "\
# categories: all the data the text says it processes (see the top).
";

const HEADER: &str = "\
# tizim policy file, drafted by `tizim policy import` from a privacy-policy
# text. Each value quotes the line of the text it was read from. Review every
# one, add `locations` where a purpose's data may live (globs over path or
# path#field, e.g. \"backups/*.sql#clients.*\"; none means anywhere), then
# check it with `tizim policy check` and save it as tizim.toml.
";

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Comment text on one line: comments hold no line breaks.
fn comment_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
            current.push_str("  ");
        }
        if !current.trim().is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.trim().is_empty() {
        lines.push(current);
    }
    lines
}

/// At most `max` characters of `text`, cut at a space, with `…` if cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', ';', ' ']))
}

/// A quote of `text` around `start..end`: whole words, about `context`
/// bytes either side, `…` where cut.
fn excerpt(text: &str, start: usize, end: usize, context: usize) -> String {
    let mut from = start.saturating_sub(context);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    if from > 0 {
        from = text[from..start].find(' ').map_or(start, |i| from + i + 1);
    }
    let mut to = (end + context).min(text.len());
    while !text.is_char_boundary(to) {
        to -= 1;
    }
    if to < text.len() {
        to = text[end..to].rfind(' ').map_or(end, |i| end + i);
    }
    let mut quote = String::new();
    if from > 0 {
        quote.push('…');
    }
    quote.push_str(text[from..to].trim());
    if to < text.len() {
        quote.push('…');
    }
    comment_text(&quote)
}

/// An ASCII id from the first three words of at least three letters.
fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.to_lowercase().as_str()))
        .take(3)
        .map(|w| {
            w.chars()
                .flat_map(|c| {
                    let ascii = c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase());
                    ascii
                        .into_iter()
                        .map(String::from)
                        .chain((!c.is_ascii()).then(|| transliterate(c).to_string()))
                })
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        "purpose".to_string()
    } else {
        words.join("-")
    }
}

/// Words that say nothing about a purpose, skipped in ids.
const STOPWORDS: &[&str] = &[
    "and",
    "for",
    "the",
    "with",
    "our",
    "your",
    "для",
    "при",
    "или",
    "его",
    "её",
    "және",
    "үшін",
    "мен",
    "пен",
    "бен",
    "немесе",
    "чтобы",
];

fn unique_id(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken.contains(id))
        .expect("some suffix is free")
}

/// Russian and Kazakh letters in Latin, so ids stay ASCII. A table this
/// small is clearer than a transliteration dependency.
fn transliterate(c: char) -> &'static str {
    let lower: Vec<char> = c.to_lowercase().collect();
    match lower.as_slice() {
        ['а'] | ['ә'] => "a",
        ['б'] => "b",
        ['в'] => "v",
        ['г'] | ['ғ'] => "g",
        ['д'] => "d",
        ['е'] | ['ё'] | ['э'] => "e",
        ['ж'] => "zh",
        ['з'] => "z",
        ['и'] | ['і'] => "i",
        ['й'] | ['ы'] => "y",
        ['к'] => "k",
        ['қ'] => "q",
        ['л'] => "l",
        ['м'] => "m",
        ['н'] | ['ң'] => "n",
        ['о'] | ['ө'] => "o",
        ['п'] => "p",
        ['р'] => "r",
        ['с'] => "s",
        ['т'] => "t",
        ['у'] | ['ұ'] | ['ү'] => "u",
        ['ф'] => "f",
        ['х'] => "kh",
        ['һ'] => "h",
        ['ц'] => "ts",
        ['ч'] => "ch",
        ['ш'] => "sh",
        ['щ'] => "shch",
        ['ю'] => "yu",
        ['я'] => "ya",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines numbered from 1, as the importer reads a text.
    fn numbered(texts: &[&str]) -> Vec<Line> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Line {
                no: i + 1,
                text: t.to_string(),
            })
            .collect()
    }

    fn line(text: &str) -> Line {
        Line {
            no: 1,
            text: text.to_string(),
        }
    }

    fn retention(text: &str) -> Option<Retention> {
        retention_in(&line(text)).map(|(r, _)| r)
    }

    fn found(text: &str) -> Vec<(Category, bool)> {
        mentions_in(&line(text))
            .into_iter()
            .map(|m| (m.category, m.negated))
            .collect()
    }

    #[test]
    fn markers() {
        assert_eq!(marker("7.1. Компания").0, Marker::Clause(vec![7, 1]));
        assert_eq!(
            marker("3.2.1 идентификация").0,
            Marker::Clause(vec![3, 2, 1])
        );
        assert_eq!(marker("5. Иные положения").0, Marker::Clause(vec![5]));
        assert_eq!(marker("3 лет с момента").0, Marker::None);
        for item in [
            "1) а", "- 1) а", "(а) б", "а) б", "- б", "• б", "· б", "— б",
        ] {
            assert_eq!(
                marker(item),
                (Marker::Item, item.rsplit(' ').next().unwrap()),
                "{item}"
            );
        }
    }

    #[test]
    fn retention_phrases() {
        let y = |n: u32| Some(Retention::Months(12 * n));
        assert_eq!(retention("в течение 3 лет с момента"), y(3));
        assert_eq!(retention("однако не превышает 3 лет."), y(3));
        assert_eq!(retention("в течение трех лет"), y(3));
        assert_eq!(retention("в течение 1 (одного) года"), y(1));
        assert_eq!(retention("в течение года"), y(1));
        assert_eq!(
            retention("данные хранятся 6 месяцев"),
            Some(Retention::Months(6))
        );
        assert_eq!(
            retention("сроком на 90 календарных дней"),
            Some(Retention::Days(90))
        );
        assert_eq!(retention("до отзыва согласия или в течение 3 лет"), y(3));
        assert_eq!(
            retention("осуществляется без ограничения срока"),
            Some(Retention::Unlimited)
        );
        assert_eq!(retention("3 жыл бойы сақталады"), y(3));
        assert_eq!(retention("18 ай ішінде"), Some(Retention::Months(18)));
        assert_eq!(
            retention("kept for a period of 180 days"),
            Some(Retention::Days(180))
        );
        assert_eq!(retention("stored for no longer than two years"), y(2));
        // Deadlines and ages are not retention periods.
        assert_eq!(
            retention("в срок, не превышающий 7 (семь) рабочих дней"),
            None
        );
        assert_eq!(retention("достигшее 18 лет"), None);
        assert_eq!(retention("до дня отзыва согласия"), None);
        assert_eq!(retention("до момента удаления"), None);
    }

    #[test]
    fn deletion_after_a_period_and_consent_validity_are_retention() {
        let general = |text: &str| read_general_retention(&[&line(text)]).map(|(r, _)| r);
        assert_eq!(
            general("Деректер 6 ай ішінде жойылады."),
            Some(Retention::Months(6))
        );
        assert_eq!(
            general("Data is deleted after 90 days."),
            Some(Retention::Days(90))
        );
        assert_eq!(
            general("Согласие действует в течение 3 лет с момента подписания."),
            Some(Retention::Months(36))
        );
        // A deadline to delete on request is not a retention period.
        assert_eq!(
            general("Персональные данные удаляются в течение 30 дней с момента получения запроса."),
            None
        );
    }

    #[test]
    fn data_no_purpose_claims_get_a_purpose_marked_todo() {
        let text = "Цель | Данные | Срок\nДоставка | номер телефона | 1 год\n\n\
                    Cookie | Назначение | Срок\nsession | вход | 30 дней\n";
        let toml = draft(text);
        let p = crate::policy::parse(&toml).unwrap();
        assert_eq!(p.purposes.len(), 2, "{toml}");
        assert_eq!(p.purposes[1].id, "other-named-data");
        assert_eq!(p.purposes[1].categories, vec![Category::OnlineIdentifier]);
        assert_eq!(p.purposes[1].retention, Retention::Days(30));
        assert!(
            toml.contains("# TODO: the text names these data as processed but ties them to none")
        );
        // When a purpose names nothing of its own it gets everything: no extra purpose.
        let p = crate::policy::parse(&draft(
            "Цели обработки\n1) доставка;\nМы храним номер телефона и cookie.\n",
        ))
        .unwrap();
        assert_eq!(p.purposes.len(), 1);
    }

    #[test]
    fn general_retention_needs_a_sentence_about_keeping_data() {
        let lines = [
            line("— сообщать в уполномоченный орган информацию в течение 10 дней с даты получения запроса;"),
            line("Срок ответа на претензию составляет 30 (тридцать) рабочих дней."),
            line("12.2. Изменения политики обработки данных. Политика действует бессрочно до замены."),
        ];
        let refs: Vec<&Line> = lines.iter().collect();
        assert!(read_general_retention(&refs).is_none());
        let keeping = line("7.3. Срок обработки персональных данных однако не превышает 3 лет.");
        assert_eq!(
            read_general_retention(&[&keeping]).map(|(r, _)| r),
            Some(Retention::Months(36))
        );
    }

    #[test]
    fn negations_make_prohibitions() {
        use Category::*;
        assert_eq!(
            found("Компания не хранит данные кредитной карты Пользователя."),
            vec![(Card, true)]
        );
        assert_eq!(
            found("Компания не хранит и, соответственно, не передает данные кредитной карты"),
            vec![(Card, true)]
        );
        assert_eq!(
            found("специальные, за исключением биометрических и генетических"),
            vec![(Biometric, true)]
        );
        assert_eq!(
            found("Данные платежных карт не хранятся."),
            vec![(Card, true)]
        );
        assert_eq!(
            found("Оператор төлем картасының деректерін сақтамайды."),
            vec![(Card, true)]
        );
        assert_eq!(
            found("We do not store payment card details."),
            vec![(Card, true)]
        );
        assert_eq!(
            found("6) данные платежных карт Клиента"),
            vec![(Card, false)]
        );
        // A negation in an earlier sentence does not reach this one.
        assert_eq!(
            found("Мы не храним пароли. Мы храним номер телефона."),
            vec![(Phone, false)]
        );
    }

    #[test]
    fn the_issue_examples_prohibit_what_they_name() {
        use Category::*;
        let prohibited = |text: &str| -> Vec<Category> {
            let mut v: Vec<Category> = found(text)
                .into_iter()
                .filter(|(_, n)| *n)
                .map(|(c, _)| c)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        assert_eq!(
            prohibited("Компания не собирает биометрические данные, данные о здоровье, данные платёжных карт и банковских счетов."),
            vec![Card, Iban, Biometric]
        );
        assert_eq!(
            prohibited("Приложение не запрашивает геолокацию."),
            vec![Location]
        );
        assert_eq!(
            prohibited("Оператор не передаёт и не хранит полные данные карты."),
            vec![Card]
        );
        assert_eq!(
            prohibited("We never collect your date of birth or passport number."),
            vec![BirthDate, IdDocument]
        );
        assert_eq!(
            prohibited("Biometric data and IP addresses are not processed."),
            vec![IpAddress, Biometric]
        );
        assert_eq!(
            prohibited("Біз биометриялық деректерді жинамаймыз."),
            vec![Biometric]
        );
        assert_eq!(
            prohibited("Төлем картасының деректері өңделмейді."),
            vec![Card]
        );
    }

    #[test]
    fn a_prohibition_declared_elsewhere_wins_with_a_comment() {
        let text = "Цели обработки\n1) участие в конкурсе: ФИО, биометрические данные;\n\
                    2. Обработка биометрических персональных данных не осуществляется.\n";
        let toml = draft(text);
        let p = crate::policy::parse(&toml).unwrap();
        assert_eq!(p.prohibited, vec![Category::Biometric]);
        assert_eq!(p.purposes[0].categories, vec![Category::PersonName]);
        assert!(toml.contains("also named as processed, line 2"), "{toml}");
    }

    #[test]
    fn purposes_that_name_their_data() {
        let lines = numbered(&[
            "Цель обработки | Персональные данные | Правовые основания | Срок хранения",
            "Доставка заказов | ФИО, адрес доставки | договор | 3 года",
            "Рассылка | адрес электронной почты | согласие | 12 месяцев",
            "",
            "Для целей поддержки клиентов обрабатываются: номер телефона, e-mail.",
        ]);
        let purposes = read_purposes(&lines);
        let summary: Vec<(String, Vec<Category>, Option<Retention>)> = purposes
            .iter()
            .map(|p| {
                let mut c: Vec<Category> = p.own.iter().map(|m| m.category).collect();
                c.sort();
                c.dedup();
                (p.title.clone(), c, p.retention.as_ref().map(|(r, _)| *r))
            })
            .collect();
        use Category::*;
        assert_eq!(
            summary,
            vec![
                (
                    "Доставка заказов".to_string(),
                    vec![PersonName, Address],
                    Some(Retention::Months(36))
                ),
                (
                    "Рассылка".to_string(),
                    vec![Email],
                    Some(Retention::Months(12))
                ),
                ("Поддержки клиентов".to_string(), vec![Phone, Email], None),
            ]
        );
    }

    #[test]
    fn periods_per_category() {
        let lines = numbered(&[
            "Cookie | Назначение | Срок",
            "session | вход | 30 дней",
            "lang | язык | 1 год",
            "",
            "- номер телефона — 5 лет;",
            "Аккаунт хранится до удаления аккаунта.",
        ]);
        let periods: Vec<(Category, Retention)> = read_category_retention(&lines)
            .into_iter()
            .map(|(c, r, _)| (c, r))
            .collect();
        assert_eq!(
            periods,
            vec![
                (Category::Phone, Retention::Months(60)),
                (Category::OnlineIdentifier, Retention::Months(12))
            ]
        );
        let todos = read_non_periods(&lines);
        assert_eq!(todos.len(), 1);
        assert_eq!(todos[0].1.line, 6);
    }

    #[test]
    fn operator_contacts_and_idioms_are_not_subject_data() {
        assert_eq!(
            found("следует сообщать по электронной почте: contact@aimap.kz"),
            vec![]
        );
        assert_eq!(
            found("на адрес электронной почты Оператора info@api-soft.com"),
            vec![]
        );
        assert_eq!(found("на электронный адрес Оператора с пометкой"), vec![]);
        assert_eq!(found("«iDocument» (БИН 240740036857)"), vec![]);
        assert_eq!(found("действующие от своего имени"), vec![]);
        assert_eq!(
            found("вводом своего имени"),
            vec![(Category::PersonName, false)]
        );
        // Where the servers are is not where people are.
        assert_eq!(found("Деректер | Серверлер орналасқан жері"), vec![]);
        assert_eq!(found("hosting location data | EU"), vec![]);
        assert_eq!(
            found("орналасқан жеріңіз туралы деректер"),
            vec![(Category::Location, false)]
        );
    }

    #[test]
    fn word_processor_hyphens_are_hyphens() {
        let lines = clean_lines("Техникалық деректер: IP\u{2011}мекенжай, аты\u{2010}жөні");
        let found: Vec<Category> = mentions_in(&lines[0])
            .into_iter()
            .map(|m| m.category)
            .collect();
        assert!(found.contains(&Category::IpAddress), "{found:?}");
    }

    #[test]
    fn limits_that_are_not_periods_in_kazakh_and_tables() {
        let lines = numbered(&[
            "Деректер өңдеу мақсаттары талап ететін мерзімнен артық сақталмайды.",
            "Сақтау мерзімдері шартқа сәйкес айқындалады.",
            "Тип данных | Срок хранения",
            "Профиль | пока аккаунт активен",
            "Your records persist until you delete your profile.",
        ]);
        let at: Vec<usize> = read_non_periods(&lines)
            .iter()
            .map(|(_, s)| s.line)
            .collect();
        assert_eq!(at, vec![1, 2, 4, 5]);
    }

    #[test]
    fn periods_counted_from_another_event_are_todos() {
        for text in [
            "Данные хранятся не более 2 лет после закрытия учётной записи.",
            "We keep your records for 30 days after you close your account.",
            "Деректер келісімшарт бұзылғаннан кейін 5 жыл бойы сақталады.",
            "Документы хранятся в течение 5 лет с момента прекращения трудового договора.",
            "Персональные данные обрабатываются до отзыва согласия субъектом.",
            "Your data is processed until consent is withdrawn.",
        ] {
            assert_eq!(retention(text), None, "{text}");
            let todos = read_non_periods(&[line(text)]);
            assert_eq!(todos.len(), 1, "{text}");
            assert!(todos[0].0.contains("not a period"), "{text}");
        }
        // Counted from collection, it is a period.
        assert_eq!(
            retention("хранятся в течение 5 лет с момента получения"),
            Some(Retention::Months(60))
        );
        let toml = draft(
            "Цели обработки\n1) доставка заказов;\n\
             Данные хранятся не более 2 лет после закрытия учётной записи.\n",
        );
        let p = crate::policy::parse(&toml).unwrap();
        assert_eq!(p.purposes[0].retention, Retention::Unlimited, "{toml}");
        assert!(
            toml.lines()
                .any(|l| l.contains("TODO") && l.contains("not a period") && l.contains("2 лет")),
            "{toml}"
        );
    }

    #[test]
    fn arguable_readings_leave_a_todo() {
        let toml = draft(
            "Мы собираем имя, фото профиля и платёжные данные.\n\
             Аналитика cookie собирается в обезличенном виде.\n",
        );
        let todo = |what: &str, quote: &str| {
            toml.lines()
                .any(|l| l.starts_with("# TODO") && l.contains(what) && l.contains(quote))
        };
        assert!(todo("biometric?", "фото"), "{toml}");
        assert!(todo("card and/or iban?", "платёжные данные"), "{toml}");
        assert!(todo("personal data?", "обезличенном"), "{toml}");
        // The reading itself is kept: the TODO only marks it.
        let p = crate::policy::parse(&toml).unwrap();
        assert!(p.purposes[0].categories.contains(&Category::Card));
    }

    #[test]
    fn items_on_one_line_are_split() {
        let mut items = Vec::new();
        push_items(
            &mut items,
            63,
            "подтверждения достоверности; 4) предоставления поддержки;",
        );
        let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            texts,
            ["подтверждения достоверности;", "предоставления поддержки;"]
        );
    }

    #[test]
    fn titles_and_ids() {
        assert_eq!(
            title_of("оценки и анализа работы Сайта - до отзыва согласия, или в течение 3 лет;"),
            "Оценки и анализа работы Сайта"
        );
        assert_eq!(
            title_of("тапсырыстарды жеткізу: аты-жөні"),
            "Тапсырыстарды жеткізу"
        );
        assert_eq!(
            slug("Идентификация Пользователя"),
            "identifikatsiya-polzovatelya"
        );
        assert_eq!(slug("Сайттың қауіпсіздігі"), "sayttyn-qauipsizdigi");
        assert_eq!(slug("Identity checks for loans"), "identity-checks-loans");
        assert_eq!(slug("—"), "purpose");
        assert_eq!(unique_id("a", &["a".into(), "a-2".into()]), "a-3");
    }

    #[test]
    fn decoding() {
        let text = "Цели обработки";
        assert_eq!(decode_text(text.as_bytes()), text);
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        assert_eq!(decode_text(&cp1251), text);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode_text(&bom), text);
    }

    #[test]
    fn every_draft_of_odd_input_still_parses() {
        for text in [
            "",
            "\n\n",
            "Цели обработки\n1) \n",
            "ТОО «»",
            "БИН 123456789012",
            "prohibited = 1",
        ] {
            let toml = draft(text);
            assert!(crate::policy::parse(&toml).is_ok(), "{text:?}:\n{toml}");
        }
    }
}
