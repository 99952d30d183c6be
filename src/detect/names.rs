//! Person names (`person_name`): "Фамилия Имя Отчество", "Имя Фамилия",
//! "Иванов И.И.", "И. И. Иванов", "Айдос Серікұлы", "Aidos Nurlanov".
//!
//! A name is a run of capitalised words and initials; what makes it a
//! person's is evidence, weighed here into a [`Strength`]:
//!
//! - a given name from the dictionaries shipped under `detectors/names/`
//!   (Kazakh, Russian and other given names common in Kazakhstan), looked
//!   up by a transliteration-blind key so that `Aidos`, `Aydos` and
//!   `Айдос` are one name;
//! - surname morphology (-ов/-ова, -ев/-ева, -ин/-ина, -ский, -енко,
//!   -ұлы …);
//! - a patronymic (-ович/-овна, -ұлы/-қызы, or `ұлы`/`қызы` as a word);
//! - initials.
//!
//! Street names (`ул. Абая`, `Абай даңғылы`), company names (`ТОО «Иванов
//! Групп»`) and places named after people (`Назарбаев Университет`) are
//! turned away by the words around them.
//!
//! Hand-written: no maintained crate recognises Kazakh or Russian names
//! without a statistical model, and a model would cost far more per byte
//! than this pass, which only stops where a blank is followed by a capital.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::collections::HashSet;
use std::sync::OnceLock;

/// How strong the evidence for a name is, before context keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Two words, one a given name and one a surname (or two given
    /// names): a name, or a title, a brand, a ship.
    Bare,
    /// A patronymic, or a surname with two initials.
    Strong,
    /// Given name, patronymic and a third word: a full ФИО.
    Full,
}

/// A name found by [`find`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub strength: Strength,
}

static DICTIONARIES: [&str; 3] = [
    include_str!("../../detectors/names/kk.txt"),
    include_str!("../../detectors/names/ru.txt"),
    include_str!("../../detectors/names/other.txt"),
];

/// The given names, by [`key`]; built the first time a name detector
/// meets a candidate, so scans without one pay nothing.
fn given_names() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        DICTIONARIES
            .iter()
            .flat_map(|d| d.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(key)
            .filter(|k| k.chars().count() >= 3)
            .collect()
    })
}

#[cfg(test)]
/// How many names the dictionaries hold (distinct keys), for tests.
pub fn dictionary_size() -> usize {
    given_names().len()
}

/// A transliteration-blind key: Cyrillic and the usual Latin spellings of
/// a name meet (`Айдос`, `Aidos`, `Aydos` → `aidos`; `Жанна`, `Zhanna` →
/// `jana`; `Дмитрий`, `Dmitriy`, `Dmitry` → `dmitri`). Doubled letters
/// collapse, so spelling variants that only double a letter also meet.
pub fn key(word: &str) -> String {
    let mut out = String::new();
    key_into(&word.to_lowercase(), &mut out);
    out
}

/// [`key`] of a word already in lower case, into `out` (cleared first):
/// the scan keeps one buffer for every lookup.
fn key_into(lower: &str, out: &mut String) {
    out.clear();
    let mut cs = [' '; MAX_WORD_CHARS];
    let mut n = 0;
    for c in lower.chars() {
        if n == cs.len() {
            return;
        }
        cs[n] = c;
        n += 1;
    }
    let cs = &cs[..n];
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        let next = cs.get(i + 1).copied();
        let (s, adv): (&str, usize) = match (c, next) {
            // Latin digraphs first.
            ('k', Some('h')) => ("h", 2),
            ('g', Some('h')) => ("g", 2),
            ('z', Some('h')) => ("j", 2),
            ('s', Some('h')) => {
                if cs.get(i + 2) == Some(&'c') && cs.get(i + 3) == Some(&'h') {
                    ("sh", 4)
                } else {
                    ("sh", 2)
                }
            }
            ('c', Some('h')) => ("ch", 2),
            ('t', Some('s')) => ("c", 2),
            ('y' | 'i' | 'j', Some('u')) => ("iu", 2),
            ('y' | 'i' | 'j', Some('a')) => ("ia", 2),
            ('y', Some('e' | 'o')) => ("e", 2),
            ('a', Some('e')) => ("a", 2),
            ('x', _) => ("ks", 1),
            ('q', _) => ("k", 1),
            ('w', _) => ("v", 1),
            ('y' | 'j', _) => ("i", 1),
            ('ä', _) => ("a", 1),
            ('ö', _) => ("o", 1),
            ('ü', _) => ("u", 1),
            // Cyrillic, Kazakh letters folded onto their Russian neighbours.
            ('а' | 'ә', _) => ("a", 1),
            ('б', _) => ("b", 1),
            ('в', _) => ("v", 1),
            ('г' | 'ғ', _) => ("g", 1),
            ('д', _) => ("d", 1),
            ('е' | 'ё' | 'э', _) => ("e", 1),
            ('ж', _) => ("j", 1),
            ('з', _) => ("z", 1),
            ('и' | 'й' | 'ы' | 'і', _) => ("i", 1),
            ('к' | 'қ', _) => ("k", 1),
            ('л', _) => ("l", 1),
            ('м', _) => ("m", 1),
            ('н' | 'ң', _) => ("n", 1),
            ('о' | 'ө', _) => ("o", 1),
            ('п', _) => ("p", 1),
            ('р', _) => ("r", 1),
            ('с', _) => ("s", 1),
            ('т', _) => ("t", 1),
            ('у' | 'ұ' | 'ү', _) => ("u", 1),
            ('ф', _) => ("f", 1),
            ('х' | 'һ', _) => ("h", 1),
            ('ц', _) => ("c", 1),
            ('ч', _) => ("ch", 1),
            ('ш' | 'щ', _) => ("sh", 1),
            ('ъ' | 'ь' | '\'' | '’', _) => ("", 1),
            ('ю', _) => ("iu", 1),
            ('я', _) => ("ia", 1),
            _ => {
                if !out.ends_with(c) {
                    out.push(c);
                }
                i += 1;
                continue;
            }
        };
        for ch in s.chars() {
            if !out.ends_with(ch) {
                out.push(ch);
            }
        }
        i += adv;
    }
}

/// Longer words are not names (and are not looked up).
const MAX_WORD_CHARS: usize = 40;

#[cfg(test)]
/// Whether `word` (any case) is a given name in the dictionaries.
pub fn is_given_name(word: &str) -> bool {
    let mut k = String::new();
    is_given_lower(&word.to_lowercase(), &mut k)
}

/// Whether a lower-case word is a given name, with a scratch buffer. A
/// hyphenated name counts when a part of it does (`Касым-Жомарт`).
fn is_given_lower(lower: &str, scratch: &mut String) -> bool {
    if lower.contains('-') {
        return lower.split('-').any(|p| is_given_lower(p, scratch));
    }
    if lower.chars().count() < 3 {
        return false;
    }
    key_into(lower, scratch);
    given_names().contains(scratch.as_str())
}

fn ends_with_any(lower: &str, endings: &[&str], min_stem: usize) -> bool {
    endings.iter().any(|e| {
        lower
            .strip_suffix(e)
            .is_some_and(|stem| stem.chars().count() >= min_stem)
    })
}

const PATRONYMIC_ENDINGS: &[&str] = &[
    "ович",
    "евич",
    "ёвич",
    "овна",
    "евна",
    "ёвна",
    "ична",
    "инична",
    "ұлы",
    "улы",
    "қызы",
    "кызы",
    "оглы",
    "ovich",
    "evich",
    "ovna",
    "evna",
    "ichna",
    "uly",
    "kyzy",
    "qyzy",
    "kizi",
    "ogly",
];

/// A patronymic (lower case): `иванович`, `сергеевна`, `нұрланұлы`,
/// `серікқызы`, `nurlanuly`; `ильич`, `кузьмич` by their `ьич`.
fn patronymic_lower(lower: &str) -> bool {
    ends_with_any(lower, PATRONYMIC_ENDINGS, 3)
        || lower.ends_with("ьич") && lower.chars().count() >= 5
}

/// `ұлы` / `қызы` (son / daughter of) written as a word after the
/// father's name: `Айдос Нұрлан ұлы`.
fn is_patronymic_marker(word: &str) -> bool {
    matches!(
        word,
        "ұлы" | "улы" | "қызы" | "кызы" | "uly" | "kyzy" | "qyzy" | "ulı" | "qızı"
    )
}

const SURNAME_ENDINGS: &[&str] = &[
    "ов",
    "ова",
    "ев",
    "ева",
    "ёв",
    "ёва",
    "ин",
    "ина",
    "ын",
    "ына",
    "ский",
    "ская",
    "цкий",
    "цкая",
    "енко",
    "ук",
    "юк",
    "ян",
    "дзе",
    "швили",
    "бек",
    "бекова",
    "ұлы",
    "улы",
    "қызы",
    "кызы",
    "их",
    "ых",
    "ov",
    "ova",
    "ev",
    "eva",
    "yov",
    "in",
    "ina",
    "yn",
    "yna",
    "sky",
    "skiy",
    "skii",
    "skaya",
    "enko",
    "uk",
    "yuk",
    "yan",
    "dze",
    "shvili",
    "bek",
    "uly",
    "kyzy",
];

/// Surnames too short for a suffix: Korean Kazakhstanis' and a few others.
const SHORT_SURNAMES: &[&str] = &[
    "ким", "пак", "ли", "цой", "тен", "хан", "ни", "шин", "тян", "kim", "pak", "park", "tsoy",
    "choi", "ten", "shin",
];

/// Latin endings that English words share (`Begin`, `Domain`, `Marin`,
/// `Buk`): a surname's shape only next to a given name, not after initials.
const WEAK_LATIN_ENDINGS: &[&str] = &["in", "ina", "yn", "yna", "uk", "yuk", "yan", "bek"];

/// A surname by its shape (lower case): `иванов`, `петрова`, `нурланов`,
/// `сейтказина`, `шевченко`, `nurlanov`; or a short Korean surname.
fn surname_lower(lower: &str) -> bool {
    ends_with_any(lower, SURNAME_ENDINGS, 3) || SHORT_SURNAMES.contains(&lower)
}

/// [`surname_lower`] without the Latin endings English words share: for
/// initials, where no given name vouches for the word (`J. Begin`).
fn strict_surname_lower(lower: &str) -> bool {
    surname_lower(lower) && !(lower.is_ascii() && ends_with_any(lower, WEAK_LATIN_ENDINGS, 0))
}

/// What a token's word is, worked out once per candidate.
#[derive(Clone, Copy, Default)]
struct Traits {
    given: bool,
    sur: bool,
    strict: bool,
    patr: bool,
}

impl Traits {
    fn of(word: &str, lower_buf: &mut String, scratch: &mut String) -> Traits {
        lower_buf.clear();
        for c in word.chars() {
            lower_buf.extend(c.to_lowercase());
        }
        let lower = lower_buf.as_str();
        Traits {
            given: is_given_lower(lower, scratch),
            sur: surname_lower(lower),
            strict: strict_surname_lower(lower),
            patr: patronymic_lower(lower),
        }
    }
}

/// Words just before a name that make it a street, a place or an
/// organisation named after a person (lower case, without the dot).
const BEFORE_NOT_A_PERSON: &[&str] = &[
    "ул",
    "улица",
    "улице",
    "улицы",
    "улицу",
    "пр",
    "просп",
    "проспект",
    "проспекта",
    "проспекте",
    "пр-т",
    "пер",
    "переулок",
    "переулка",
    "бул",
    "бульвар",
    "бульвара",
    "пл",
    "площадь",
    "площади",
    "мкр",
    "микрорайон",
    "шоссе",
    "наб",
    "набережная",
    "им",
    "имени",
    "г",
    "город",
    "города",
    "городе",
    "гор",
    "с",
    "село",
    "села",
    "пос",
    "поселок",
    "посёлок",
    "ст",
    "станция",
    "станции",
    "метро",
    "аэропорт",
    "аэропорта",
    "район",
    "района",
    "обл",
    "область",
    "области",
    "тоо",
    "ао",
    "оао",
    "зао",
    "ооо",
    "пао",
    "жшс",
    "ақ",
    "кх",
    "фирма",
    "компания",
    "компании",
    "банк",
    "st",
    "str",
    "street",
    "ave",
    "avenue",
    "prospekt",
    "ulitsa",
    "named",
    "imeni",
    "im",
    "llp",
    "llc",
    "jsc",
    "ltd",
    "inc",
    "corp",
    "company",
    "bank",
    "school",
    "university",
    "airport",
];

/// Stems of the places and institutions named after people, in any case
/// form (`площадь Абая`, `на площади Абая`, `в сквере Ахмета Байтурсынова`,
/// `музея Абая Кунанбаева`, `театра Мухтара Ауэзова`): the word before a name
/// starts with one of these.
const PLACE_STEMS: &[&str] = &[
    "улиц",
    "проспект",
    "переул",
    "бульвар",
    "площад",
    "набережн",
    "сквер",
    "парк",
    "аллея",
    "аллее",
    "аллеи",
    "музе",
    "театр",
    "стадион",
    "университет",
    "институт",
    "академия",
    "академии",
    "академию",
    "библиотек",
    "гимнази",
    "колледж",
    "лицей",
    "лицея",
    "лицее",
    "школа",
    "школы",
    "школе",
    "школу",
    "школой",
    "аэропорт",
    "памятник",
    "мемориал",
    "мавзоле",
    "мечет",
    "фонд",
    "преми",
    "орден",
    "остановк",
    "станци",
    "микрорайон",
    "жк",
    "бц",
    "трц",
    "тц",
];

/// The word before a name names a place or an institution (see
/// [`PLACE_STEMS`]).
fn place_word(before: &str) -> bool {
    !before.is_empty() && PLACE_STEMS.iter().any(|s| before.starts_with(s))
}

/// Words just after a name that make it a street, a place or an
/// organisation (lower case, without the dot).
const AFTER_NOT_A_PERSON: &[&str] = &[
    "көшесі",
    "көшесінде",
    "көшесіне",
    "көш",
    "даңғылы",
    "даңғылында",
    "даң",
    "атындағы",
    "ауданы",
    "ауданында",
    "облысы",
    "қаласы",
    "ауылы",
    "университет",
    "университета",
    "университете",
    "университеті",
    "школа",
    "школы",
    "мектебі",
    "лицей",
    "гимназия",
    "колледж",
    "институт",
    "центр",
    "групп",
    "груп",
    "холдинг",
    "и",
    "энд",
    "end",
    "and",
    "&",
    "university",
    "street",
    "st",
    "avenue",
    "ave",
    "group",
    "holding",
    "llp",
    "llc",
    "ltd",
    "inc",
    "airport",
    "school",
    "center",
    "centre",
    "prospekt",
    "ulitsa",
    "bank",
    "банк",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A capitalised word (or all capitals): `Иванов`, `ИВАНОВ`, `Aidos`.
    Word,
    /// One or more initials with dots: `И.`, `И.И.`, `A.B.`.
    Initials(u8),
    /// `ұлы` / `қызы` as a word.
    Marker,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    kind: Kind,
}

/// The byte at `p` starts an upper-case letter (ASCII, Cyrillic А–Я, Ё,
/// І, or a Kazakh capital Ә Ғ Қ Ң Ө Ұ Ү Һ).
#[inline]
fn upper_at(b: &[u8], p: usize) -> bool {
    let Some(&c) = b.get(p) else { return false };
    if c.is_ascii_uppercase() {
        return true;
    }
    let Some(&d) = b.get(p + 1) else { return false };
    match c {
        0xD0 => (0x80..=0xAF).contains(&d),
        // Kazakh capitals in U+0490..U+04FF are the even code points.
        0xD2 | 0xD3 => d % 2 == 0,
        _ => false,
    }
}

/// Where, at or after `i`, a blank is followed by a Cyrillic lead byte
/// (0xD0..=0xD3: А–Я, Ё, І and the Kazakh capitals among them): the only
/// place a Cyrillic name's second word can begin. Eight bytes at a time,
/// and stretches of ASCII (most of any source tree) in one test each.
fn next_trigger(b: &[u8], mut i: usize, to: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    while i + 9 <= to {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let n = u64::from_le_bytes(b[i + 1..i + 9].try_into().unwrap_or([0; 8]));
        if n & HIGHS == 0 {
            i += 8;
            // Stretches of ASCII, 32 bytes a test.
            while i + 33 <= to {
                let word = |k: usize| {
                    u64::from_le_bytes(b[i + 1 + k..i + 9 + k].try_into().unwrap_or([0; 8]))
                };
                if (word(0) | word(8) | word(16) | word(24)) & HIGHS != 0 {
                    break;
                }
                i += 32;
            }
            continue;
        }
        // Exact per-byte tests (no carries between bytes): a space in `w`;
        // in `n`, the byte after it, 0xD0..=0xD3 (`hasbetween` of Bit
        // Twiddling Hacks on the low seven bits, with the high bit set).
        let sp = w ^ (ONES * 0x20);
        let space = !(((sp & LOW7) + LOW7) | sp | LOW7);
        let n7 = n & LOW7;
        let lead = (ONES * (127 + 0x54)).wrapping_sub(n7) & n & (n7 + ONES * (127 - 0x4F)) & HIGHS;
        let hits = space & lead;
        if hits != 0 {
            return Some(i + 1 + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while i + 1 < to {
        if b[i] == b' ' && (0xD0..=0xD3).contains(&b[i + 1]) {
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn is_letter_at(text: &str, p: usize) -> bool {
    text[p..].chars().next().is_some_and(char::is_alphabetic)
}

fn letter_before(text: &str, p: usize) -> Option<char> {
    text[..p].chars().next_back()
}

/// The token starting at `p` (an upper-case letter), if it is a name's
/// word or initials.
fn token_at(text: &str, p: usize) -> Option<Token> {
    let mut chars = text[p..].char_indices();
    let (_, first) = chars.next()?;
    if !first.is_uppercase() {
        return None;
    }
    let mut end = p + first.len_utf8();
    // Initials: `И.`, `И.И.`, `И.-Б.` is not a thing; `A.B.`.
    if text[end..].starts_with('.') {
        let mut n = 1u8;
        end += 1;
        loop {
            let rest = &text[end..];
            let mut cs = rest.chars();
            match (cs.next(), cs.next()) {
                (Some(c), Some('.')) if c.is_uppercase() && n < 3 => {
                    end += c.len_utf8() + 1;
                    n += 1;
                }
                _ => break,
            }
        }
        if is_letter_at(text, end) {
            return None;
        }
        return Some(Token {
            start: p,
            end,
            kind: Kind::Initials(n),
        });
    }
    let mut lower = 0;
    let mut upper = 1;
    let mut letters = 1;
    let mut last_dash = false;
    for (off, c) in chars {
        if c.is_alphabetic() {
            if c.is_uppercase() {
                // `МакКейн`, `ИВАНОВ`, `Мухаммед-Али` are fine; `iPhone`,
                // `camelCase` never start here; `HttpServer` is one word.
                if !last_dash && lower > 0 {
                    return None;
                }
                upper += 1;
            } else {
                lower += 1;
            }
            letters += 1;
            last_dash = false;
        } else if c == '-' && !last_dash {
            last_dash = true;
        } else {
            break;
        }
        end = p + off + c.len_utf8();
    }
    if last_dash {
        end -= 1;
    }
    // Digits or `_` glued on: an identifier.
    if let Some(c) = text[end..].chars().next() {
        if c.is_ascii_digit() || c == '_' {
            return None;
        }
    }
    let all_caps = lower == 0;
    if letters < 2 || (all_caps && upper < 3) {
        return None;
    }
    Some(Token {
        start: p,
        end,
        kind: Kind::Word,
    })
}

/// The word before `p` (lower case, dots stripped), skipping blanks and
/// opening quotes.
fn word_before(text: &str, p: usize) -> String {
    let mut q = p;
    while let Some(c) = letter_before(text, q) {
        if matches!(c, ' ' | '\u{a0}' | '.' | '«' | '"' | '“' | '„' | '\'') {
            q -= c.len_utf8();
        } else {
            break;
        }
        if p - q > 8 {
            break;
        }
    }
    let end = q;
    while let Some(c) = letter_before(text, q) {
        if c.is_alphanumeric() || c == '-' {
            q -= c.len_utf8();
        } else {
            break;
        }
    }
    text[q..end].to_lowercase()
}

/// The word after `e` (lower case, dots stripped).
fn word_after(text: &str, e: usize) -> String {
    let rest = &text[e..];
    let rest = rest.trim_start_matches([' ', '\u{a0}', '»', '"', '”']);
    let w: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '&')
        .take(24)
        .collect();
    w.to_lowercase()
}

/// The start of the token that ends just before the blank at `blank`, if
/// it could be a name's first token.
fn token_before_blank(text: &str, blank: usize) -> Option<usize> {
    let mut s = blank;
    while let Some(c) = letter_before(text, s) {
        if c.is_alphabetic() || c == '.' || c == '-' {
            s -= c.len_utf8();
        } else {
            break;
        }
    }
    if s == blank {
        return None;
    }
    // Glued to digits, `_`, `/`, `@`, `:` or `.`-paths on the left: an
    // identifier or a path, not prose.
    if let Some(c) = letter_before(text, s) {
        if c.is_ascii_digit() || matches!(c, '_' | '/' | '@' | '\\' | '$' | '#' | '<') {
            return None;
        }
    }
    let t = token_at(text, s)?;
    (t.end == blank).then_some(s)
}

/// The name, if any, whose first token starts at `s`.
fn name_from(text: &str, s: usize) -> Option<Found> {
    let b = text.as_bytes();
    let t0 = token_at(text, s)?;
    let mut toks = [t0; 4];
    let mut n = 1;
    let mut at = t0.end;
    while n < 4 {
        // One blank between tokens (`И.И.Иванов` has none).
        let gap = if text[at..].starts_with(' ') {
            1
        } else if matches!(toks[n - 1].kind, Kind::Initials(_)) && upper_at(b, at) {
            0
        } else {
            break;
        };
        let q = at + gap;
        if let Some(t) = token_at(text, q) {
            toks[n] = t;
        } else {
            let w: String = text[q..]
                .chars()
                .take_while(|c| c.is_alphabetic())
                .take(5)
                .collect();
            if n >= 2 && is_patronymic_marker(&w) && !is_letter_at(text, q + w.len()) {
                toks[n] = Token {
                    start: q,
                    end: q + w.len(),
                    kind: Kind::Marker,
                };
            } else {
                break;
            }
        }
        at = toks[n].end;
        n += 1;
    }
    if n < 2 {
        return None;
    }
    judge(text, &toks[..n])
}

/// Latin surname and patronymic endings the Latin pass looks around: the
/// common short ones (`-ov`, `-eva`) followed by a blank, comma, colon,
/// quote or line end, the rarer longer ones (`-kyzy`, `-enko`) alone (the
/// next byte is checked). English text and source code (capitalised words
/// everywhere, `-ov` almost nowhere) cost one packed string search.
fn latin_endings() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        // Matched exactly and leftmost-first by the SIMD `packed` searcher,
        // and at most 32 patterns, so that it is slim Teddy (eight buckets):
        // fat Teddy's 64 cost source trees a tenth of their scan time, as a
        // case-insensitive automaton over every byte did.
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(LATIN_PATTERNS)
            .unwrap_or_else(|_| AhoCorasick::new([" never "]).expect("a literal pattern builds"))
    })
}

/// The Latin pass's patterns, in an order that makes slim Teddy put alike
/// ones in one bucket, so that each bucket's fingerprint (the union of its
/// patterns' nybbles at each of three positions) admits few other byte
/// triples: aho-corasick gives a pattern whose first three bytes' low
/// nybbles are new bucket `7 - id % 8`, and the others their twin's. So
/// column 1 is `-ov` and a blank or sign, column 2 the same of `-ev`, 3
/// `-ova`, 4 `-eva`, 5 `sk…`, 6 `-uly`/`-vna`/`-vich`, 7 `-kyzy`/`-enko`/
/// `-bek`, 8 the short Korean surnames (`Aida Pak`, `Timur Kim:`); the last
/// row and `EV ` are twins of earlier patterns (upper case, longer). A
/// pattern ending in a letter is a word's end only if no letter or digit
/// follows.
const LATIN_PATTERNS: [&str; 32] = [
    "ov ", "ev ", "ova ", "eva ", "sky", "uly", "kyzy", "Kim", //
    "ov\n", "ev\n", "ov\"", "eva\n", "skiy", "vna", "enko", "Pak", //
    "ov,", "ev,", "ov'", "eva,", "skaya", "vich", "bek", "EV ", //
    "ov:", "ev:", "OV ", "EVA ", "ova\"", "ova\n", "ova,", "OVA ",
];

/// Latin surname and patronymic endings the Latin pass looks around.
const LATIN_ENDINGS: [&str; 13] = [
    "ov", "ova", "ev", "eva", "sky", "skiy", "skaya", "enko", "uly", "kyzy", "vich", "vna", "bek",
];

/// Finds names in `text` whose trigger lies in `from..to` (the first token
/// may begin before `from`) and calls `found` for each. Two passes:
/// Cyrillic names are looked for where a blank is followed by a Cyrillic
/// capital (eight bytes at a time, ASCII-only stretches skipped at once);
/// Latin ones only around a Kazakh or Russian surname or patronymic ending
/// (`Nurlanov`, `Seitkaliyeva`, `Nurlanuly`, `Ivanovich`).
pub fn find(text: &str, from: usize, to: usize, ascii: bool, found: &mut dyn FnMut(Found)) {
    let b = text.as_bytes();
    let to = to.min(b.len());
    let from = from.min(to);
    // No Cyrillic capital in ASCII text.
    let mut i = if ascii { to } else { from };
    while i < to {
        let Some(p) = next_trigger(b, i, to) else {
            break;
        };
        i = p + 1;
        if !upper_at(b, p) {
            continue;
        }
        let Some(s) = token_before_blank(text, p - 1) else {
            continue;
        };
        if let Some(f) = name_from(text, s) {
            i = i.max(f.end);
            found(f);
        }
    }
    // Latin names.
    let mut resume = 0;
    for m in latin_endings().find_iter(&b[from..to]) {
        let end = from + m.end();
        // Where the word ends: before the blank or sign the pattern ends
        // with, or at the pattern's end if no letter follows.
        let word_end = if b[end - 1].is_ascii_alphabetic() {
            if b.get(end).is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            end
        } else {
            end - 1
        };
        latin_name_ending_at(text, word_end, &mut resume, found);
    }
    // A name at the very end of the text has no blank after it.
    if to == b.len() && to > from && b[to - 1].is_ascii_alphabetic() {
        let lower = b[b.len().saturating_sub(6)..].to_ascii_lowercase();
        if LATIN_ENDINGS.iter().any(|e| lower.ends_with(e.as_bytes())) {
            latin_name_ending_at(text, to, &mut resume, found);
        }
    }
}

/// A Latin name whose surname or patronymic ends at `word_end`.
fn latin_name_ending_at(
    text: &str,
    word_end: usize,
    resume: &mut usize,
    found: &mut dyn FnMut(Found),
) {
    let b = text.as_bytes();
    if word_end <= *resume || !text.is_char_boundary(word_end) {
        return;
    }
    let mut ws = word_end;
    while ws > 0 && (b[ws - 1].is_ascii_alphabetic() || b[ws - 1] == b'-') {
        ws -= 1;
    }
    if !b[ws].is_ascii_uppercase() || ws < *resume {
        return;
    }
    // The name may begin up to two tokens earlier (`A. B. Nurlanov`,
    // `Aidos Serik Nurlanov`).
    let mut starts = [ws; 3];
    let mut k = 1;
    let mut cur = ws;
    while k < 3 && cur > 0 && b[cur - 1] == b' ' {
        match token_before_blank(text, cur - 1) {
            Some(s) if text[s..cur].is_ascii() => {
                starts[k] = s;
                k += 1;
                cur = s;
            }
            _ => break,
        }
    }
    for &s in starts[..k].iter().rev() {
        if s < *resume {
            continue;
        }
        if let Some(f) = name_from(text, s) {
            if f.end >= word_end {
                *resume = f.end;
                found(f);
                return;
            }
        }
    }
}

/// The strongest name the tokens begin with, if any.
fn judge(text: &str, toks: &[Token]) -> Option<Found> {
    let word = |t: &Token| &text[t.start..t.end];
    let is_w = |i: usize| toks.get(i).is_some_and(|t| t.kind == Kind::Word);
    let init = |i: usize| match toks.get(i).map(|t| t.kind) {
        Some(Kind::Initials(k)) => k,
        _ => 0,
    };
    let mut traits = [Traits::default(); 4];
    let (mut lower_buf, mut scratch) = (String::new(), String::new());
    for (t, tok) in traits.iter_mut().zip(toks) {
        if tok.kind == Kind::Word && tok.end - tok.start <= 4 * MAX_WORD_CHARS {
            *t = Traits::of(word(tok), &mut lower_buf, &mut scratch);
        }
    }
    let given = |i: usize| traits.get(i).is_some_and(|t| t.given);
    let sur = |i: usize| traits.get(i).is_some_and(|t| t.sur);
    let strict = |i: usize| traits.get(i).is_some_and(|t| t.strict);
    let patr = |i: usize| traits.get(i).is_some_and(|t| t.patr);
    let marker = |i: usize| toks.get(i).is_some_and(|t| t.kind == Kind::Marker);

    let mut best: Option<(usize, Strength)> = None;
    let mut offer = |len: usize, s: Strength| {
        if best.map_or(true, |(l, bs)| (s, len) > (bs, l)) {
            best = Some((len, s));
        }
    };
    // Three words ending in a patronymic: Иванов Иван Иванович.
    if is_w(0) && is_w(1) && patr(2) {
        if given(1) || given(0) {
            offer(3, Strength::Full);
        } else if sur(0) {
            offer(3, Strength::Strong);
        }
    }
    // Иван Иванович Иванов; Аделина Болатовна Жаксылыкова (a given name
    // not in the dictionaries, but a surname's shape after the patronymic).
    if given(0) && patr(1) && is_w(2) {
        offer(
            3,
            if sur(2) {
                Strength::Full
            } else {
                Strength::Strong
            },
        );
    } else if is_w(0) && patr(1) && sur(2) && !patr(2) {
        offer(3, Strength::Strong);
    }
    // Нұрланов Айдос Серік ұлы / Айдос Серік ұлы.
    if is_w(0) && is_w(1) && is_w(2) && marker(3) {
        if given(1) || given(0) {
            offer(4, Strength::Full);
        } else if sur(0) || given(2) {
            offer(4, Strength::Strong);
        }
    }
    if is_w(0) && is_w(1) && marker(2) && (given(0) || given(1)) {
        offer(3, Strength::Strong);
    }
    // Иван Иванович, Айдос Серікұлы.
    if patr(1) && (given(0) || sur(0)) {
        offer(2, Strength::Strong);
    }
    // Иванов И.И., Сейткали А.Б., Иванов И. И.
    if is_w(0) && !patr(0) {
        let two = init(1) >= 2 || (init(1) == 1 && init(2) == 1);
        let len = if init(1) == 1 && init(2) == 1 { 3 } else { 2 };
        let common = common_word(word(&toks[0]));
        if two && (strict(0) || !common && !word(&toks[0]).is_ascii()) {
            offer(len, Strength::Strong);
        } else if two && !common || init(1) == 1 && strict(0) {
            offer(2, Strength::Bare);
        }
    }
    // И.И. Иванов, И. И. Иванов, A. Nurlanov.
    {
        let (n_init, w) = if init(0) >= 2 {
            (2, 1)
        } else if init(0) == 1 && init(1) == 1 {
            (2, 2)
        } else if init(0) == 1 {
            (1, 1)
        } else {
            (0, 0)
        };
        // Two initials before a Kazakh given name: the surname, which
        // Kazakh families often keep without a suffix (`Д. Б. Сейткали`,
        // `М. А. Нұрмағамбет`).
        let kazakh_surname = n_init == 2 && given(w) && !word(&toks[w]).is_ascii();
        if n_init > 0 && is_w(w) && (strict(w) || kazakh_surname) {
            offer(
                w + 1,
                if n_init == 2 {
                    Strength::Strong
                } else {
                    Strength::Bare
                },
            );
        }
    }
    // Two words: Айдос Нурланов, Нурланов Айдос, Сейткали Айдос.
    if is_w(0) && is_w(1) && ((given(0) && (sur(1) || given(1))) || (sur(0) && given(1))) {
        offer(2, Strength::Bare);
    }
    // Cyrillic only: a surname's shape beside any capitalised word
    // (`Шевченко Эмир`, `Ясмина Смагулова`), for given names the
    // dictionaries lack; `low`, and role words and places are turned away
    // below like any other.
    if is_w(0)
        && is_w(1)
        && (sur(0) || sur(1))
        && !word(&toks[0]).is_ascii()
        && !word(&toks[1]).is_ascii()
        && !AFTER_NOT_A_PERSON.contains(&word(&toks[1]).to_lowercase().as_str())
    {
        offer(2, Strength::Bare);
    }
    // Latin: a Kazakh or Russian surname's own ending (`Nurlanov`,
    // `Sarsenbayeva`, `Shevchenko`, not the endings English words share)
    // after a capitalised word, for given names the dictionaries lack
    // (`Radmir Nurlanov`); `low` like the Cyrillic rule above. Surname
    // second only, as Latin text writes names: `Zinoviev License` in a
    // licence table is not a person.
    if is_w(0)
        && is_w(1)
        && strict(1)
        && !patr(1)
        && word(&toks[0]).is_ascii()
        && word(&toks[1]).is_ascii()
        && plain_capitalised(word(&toks[0]))
        && plain_capitalised(word(&toks[1]))
        && !english_word(word(&toks[0]))
        && !english_word(word(&toks[1]))
        && !AFTER_NOT_A_PERSON.contains(&word(&toks[1]).to_lowercase().as_str())
    {
        offer(2, Strength::Bare);
    }
    let (len, strength) = best?;
    // `Telecom S.A.`, `Libertel B.V.`, `Раздел Т.Д.`: company forms and
    // abbreviations written like initials, unless a surname or a given
    // name stands before them (`Ким Т.Е.`, `Сейткали Б.В.`; `Ф.И.О. Иванов`
    // is still a label and a name after it).
    let vouched = is_w(0) && (strict(0) || given(0));
    if !vouched
        && toks[..len]
            .iter()
            .any(|t| matches!(t.kind, Kind::Initials(_)) && COMPANY_FORMS.contains(&word(t)))
    {
        return None;
    }
    // `Клиент Айдос Нұрланұлы`, `Сотрудник Иванов И.И.`: a role or a
    // sentence's first word, not the surname; the name starts after it
    // (the next trigger looks there).
    if toks[0].kind == Kind::Word && !given(0) && !sur(0) && not_a_name(word(&toks[0])) {
        return None;
    }
    let before = word_before(text, toks[0].start);
    if BEFORE_NOT_A_PERSON.contains(&before.as_str()) || place_word(&before) {
        return None;
    }
    let last = &toks[len - 1];
    let after = word_after(text, last.end);
    if AFTER_NOT_A_PERSON.contains(&after.as_str()) {
        return None;
    }
    // Sentence-initial common words and code keywords are not names; a
    // bare pair of Latin words needs a Kazakh or Russian surname shape.
    Some(Found {
        start: toks[0].start,
        end: last.end,
        strength,
    })
}

/// A word written `Aidos` (capital, then 2–15 lower-case letters): the
/// Latin bare rule skips capitals, camel case and hyphenated words, which
/// in English text are acronyms and identifiers far more often than names.
fn plain_capitalised(w: &str) -> bool {
    let b = w.as_bytes();
    (3..=16).contains(&b.len())
        && b[0].is_ascii_uppercase()
        && b[1..].iter().all(u8::is_ascii_lowercase)
}

/// English words that start sentences and place names beside a word of a
/// surname's shape (`Lake Geneva`, `The Molotov`): not given names.
fn english_word(w: &str) -> bool {
    const WORDS: &[&str] = &[
        "the",
        "and",
        "for",
        "from",
        "with",
        "this",
        "that",
        "when",
        "then",
        "but",
        "not",
        "see",
        "use",
        "lake",
        "river",
        "mount",
        "saint",
        "port",
        "fort",
        "cape",
        "new",
        "north",
        "south",
        "east",
        "west",
        "central",
        "grand",
        "old",
        "upper",
        "lower",
        "great",
        "little",
        "via",
        "city",
        "county",
        "state",
        "region",
        "district",
        "street",
        "avenue",
        "square",
        "hotel",
        "club",
        "team",
        "project",
        "version",
        "release",
        "module",
        "class",
        "struct",
        "type",
        "enum",
        "trait",
        "impl",
        "test",
        "tests",
        "returns",
        "return",
        "note",
        "todo",
        "fixme",
        "license",
        "licence",
        "foundation",
        "imeni",
    ];
    let lower = w.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
}

/// Capitalised words that stand before names (roles, forms of address,
/// sentence openers) and are no surname themselves.
fn not_a_name(w: &str) -> bool {
    const WORDS: &[&str] = &[
        "клиент",
        "клиенту",
        "клиента",
        "получатель",
        "получателю",
        "отправитель",
        "сотрудник",
        "сотруднику",
        "сотрудница",
        "заявитель",
        "гражданин",
        "гражданка",
        "уважаемый",
        "уважаемая",
        "директор",
        "менеджер",
        "подпись",
        "исполнитель",
        "пациент",
        "студент",
        "автор",
        "курьер",
        "водитель",
        "оператор",
        "пользователь",
        "абонент",
        "заемщик",
        "заёмщик",
        "президент",
        "министр",
        "аким",
        "депутат",
        "господин",
        "госпожа",
        "вчера",
        "сегодня",
        "завтра",
        "также",
        "кроме",
        "здравствуйте",
        "привет",
        "фио",
        "имя",
        "фамилия",
        "мырза",
        "ханым",
        "құрметті",
        "қызметкер",
        "алушы",
        "клиенттің",
        "дорогой",
        "дорогая",
        "customer",
        "client",
        "name",
        "mr",
        "mrs",
        "ms",
        "dr",
        "dear",
        "hello",
        "hi",
        "employee",
        "recipient",
        "sender",
        "user",
        "author",
        "president",
        "minister",
        "signed",
        "by",
    ];
    let lower = w.to_lowercase();
    WORDS.contains(&lower.as_str())
}

/// Company forms and place abbreviations that look like initials.
const COMPANY_FORMS: &[&str] = &[
    "S.A.",
    "B.V.",
    "N.V.",
    "A.G.",
    "S.P.A.",
    "S.A.R.",
    "P.D.R.",
    "D.C.",
    "L.P.",
    "S.L.",
    "U.S.",
    "U.K.",
    "P.C.",
    "Б.В.",
    "А.О.",
    "Ф.И.О.",
    "Ф.И.О",
    "Т.Е.",
    "Т.К.",
    "Т.Д.",
    "Т.П.",
    "Т.Н.",
];

/// Capitalised words that start sentences and headings far more often
/// than they are surnames, for the `Word И.И.` shape.
fn common_word(w: &str) -> bool {
    const COMMON: &[&str] = &[
        "приложение",
        "раздел",
        "пункт",
        "статья",
        "рис",
        "табл",
        "см",
        "глава",
        "том",
        "часть",
        "section",
        "figure",
        "table",
        "see",
        "appendix",
        "chapter",
        "part",
        "imeni",
        "имени",
    ];
    COMMON.contains(&w.to_lowercase().as_str())
}

/// The normalised form of a name for fingerprints: lower case, words
/// joined by single blanks, so `ИВАНОВ ИВАН` and `Иванов  Иван` meet; the
/// same form as a name found through its column (`fields::person_name`).
pub fn normalize(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::xorshift;

    fn names(text: &str) -> Vec<(String, Strength)> {
        let mut v = Vec::new();
        find(text, 0, text.len(), text.is_ascii(), &mut |f| {
            v.push((text[f.start..f.end].to_string(), f.strength))
        });
        v
    }

    #[test]
    fn keys_meet_across_scripts() {
        assert_eq!(key("Айдос"), key("Aidos"));
        assert_eq!(key("Айдос"), key("Aydos"));
        assert_eq!(key("Жанна"), key("Zhanna"));
        assert_eq!(key("Дмитрий"), key("Dmitriy"));
        assert_eq!(key("Дмитрий"), key("Dmitry"));
        assert_eq!(key("Нұрлан"), key("Nurlan"));
        assert_eq!(key("Қанат"), key("Kanat"));
        assert!(is_given_name("Aidos"));
        assert!(is_given_name("АЙДОС"));
        assert!(!is_given_name("Main"));
        assert!(dictionary_size() > 500);
    }

    #[test]
    fn latin_patterns_cover_every_ending_once() {
        for ending in LATIN_ENDINGS.iter().chain(&["Kim", "Pak"]) {
            assert!(
                LATIN_PATTERNS
                    .iter()
                    .any(|p| p.trim_end_matches([' ', '\n', ',', ':', '"', '\'']) == *ending),
                "{ending} is looked for by no pattern"
            );
        }
        let mut seen = std::collections::HashSet::new();
        assert!(
            LATIN_PATTERNS.iter().all(|p| seen.insert(p)),
            "a pattern twice"
        );
        // Found in text, each pattern ends a name the pass then judges.
        for text in [
            "Aidos Nurlanov, ",
            "Asel Nurlankyzy ",
            "Ivan Petrovich\n",
            "Timur Kim: hi",
        ] {
            assert!(!names(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn trigger_agrees_with_a_plain_search() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let alphabet = b"abAZ [@\xd0\xd1\xd2\xd3\x90\xb0\x80 ";
        for len in 0..200 {
            let hay: Vec<u8> = (0..len)
                .map(|_| {
                    let state = xorshift(&mut state);
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            let want = (0..hay.len().saturating_sub(1))
                .find(|&i| hay[i] == b' ' && (0xD0..=0xD3).contains(&hay[i + 1]))
                .map(|i| i + 1);
            assert_eq!(next_trigger(&hay, 0, hay.len()), want, "{hay:?}");
        }
    }

    #[test]
    fn shapes_of_names() {
        use Strength::*;
        for (text, want, strength) in [
            ("Иванов Иван Иванович", "Иванов Иван Иванович", Full),
            ("Иван Иванович Иванов пришёл", "Иван Иванович Иванов", Full),
            ("ИВАНОВ ИВАН ИВАНОВИЧ", "ИВАНОВ ИВАН ИВАНОВИЧ", Full),
            ("подписал Иванов И.И. вчера", "Иванов И.И.", Strong),
            ("подписал Иванов И. И. вчера", "Иванов И. И.", Strong),
            ("утвердил И.И. Иванов", "И.И. Иванов", Strong),
            ("утвердил И. И. Иванов", "И. И. Иванов", Strong),
            ("Сейткали А.Б.", "Сейткали А.Б.", Strong),
            ("Айдос Нұрланұлы", "Айдос Нұрланұлы", Strong),
            ("Әсел Серікқызы", "Әсел Серікқызы", Strong),
            ("Нұрланов Айдос Серік ұлы", "Нұрланов Айдос Серік ұлы", Full),
            ("Aidos Nurlanov", "Aidos Nurlanov", Bare),
            ("Нурланов Айдос", "Нурланов Айдос", Bare),
            ("Zhanna Seitkaliyeva", "Zhanna Seitkaliyeva", Bare),
            ("Ким Сергей", "Ким Сергей", Bare),
            ("Подпись: М. А. Нұрмағамбет", "М. А. Нұрмағамбет", Strong),
            ("заказ оплачен, Т. Б. Сейткали", "Т. Б. Сейткали", Strong),
            ("Ким Т.Е., мкр. Самал", "Ким Т.Е.", Strong),
            ("Сейткали Б.В., паспорт", "Сейткали Б.В.", Strong),
            ("Ф.И.О. Иванов Иван Иванович", "Иванов Иван Иванович", Full),
            ("Aida Pak wrote", "Aida Pak", Bare),
            ("Timur Kim: вход", "Timur Kim", Bare),
            ("Daulet Smagulov: вход", "Daulet Smagulov", Bare),
            ("Askar Zhumabek, born", "Askar Zhumabek", Bare),
            ("Radmir Nurlanov отправил", "Radmir Nurlanov", Bare),
        ] {
            assert_eq!(names(text), vec![(want.to_string(), strength)], "{text}");
        }
    }

    #[test]
    fn not_people() {
        for text in [
            "ул. Абая Кунанбаева 15",
            "проспект Назарбаева",
            "Абай Құнанбаев көшесі",
            "ТОО «Иванов и партнёры»",
            "ТОО «Айдос Нурланов»",
            "Назарбаев Университет",
            "Кроме Того",
            "HttpServer Builder",
            "impl Display for Category",
            "The Quick Brown Fox",
            "Приложение А.Б.",
            "см. Иванов Group",
            "id_Иванов Иван",
            "на площади Абая Кунанбаева",
            "в сквере Ахмета Байтурсынова",
            "ЕНУ им. Л.Н. Гумилева",
            "КазНУ им. аль-Фараби",
            "КазНУ им. Аль-Фараби Әл-Фараби",
            "Театр имени Мухтара Ауэзова",
            "театра Мухтара Ауэзова",
            "музей Абая Кунанбаева",
            "аэропорту Нурсултана Назарбаева",
            "Петров и сыновья",
            "Раздел Т.Д. и Приложение Б.В.",
            "Lake Geneva",
            "Central Park",
            "the Prev Dev Kiev",
            "Imeni V.M. Molotova",
            "full_name: r#\"xkeyboard-config Zinoviev License\"#",
        ] {
            assert_eq!(names(text), vec![], "{text}");
        }
    }
}
