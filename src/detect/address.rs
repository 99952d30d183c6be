//! Postal addresses (`address`) in Kazakh and Russian: a street marker
//! (`ул.`, `улица`, `пр.`, `просп.`, `мкр.`, `көшесі`, `даңғылы`,
//! `шағынауданы` …) with the street's name, then maybe a house (`д. 15`,
//! `дом 15`, `15А`, `үй 15`) and a flat (`кв. 45`, `пәтер 45`), and before
//! it maybe a city or oblast (`г. Алматы`, `Алматы қаласы`, `Алматинская
//! обл.`) and a postcode (old `050000`, new `A15E3D1`).
//!
//! Markers are found by one Aho–Corasick automaton; every marker starts
//! with a Cyrillic letter, so its prefilter skips ASCII text (source code)
//! at memchr speed. The rest is hand-written parsing of the few shapes
//! addresses take, because no maintained crate parses Kazakh addresses.

use aho_corasick::{
    AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, Input, MatchKind, StartKind,
};
use std::sync::OnceLock;

/// How complete an address is, before context keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// A street alone: `ул. Абая`.
    Street,
    /// A street with a city, oblast or postcode, without a house.
    Located,
    /// A street and a house number: `ул. Абая, д. 15`.
    House,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub strength: Strength,
}

/// Markers written before the street's name.
const BEFORE_NAME: &[&str] = &[
    "ул.",
    "ул ",
    "улица",
    "улице",
    "пр.",
    "просп.",
    "проспект",
    "пр-т",
    "пр-кт",
    "мкр.",
    "мкр ",
    "мкрн",
    "микрорайон",
    "пер.",
    "переулок",
    "бульвар",
    "б-р",
    "шоссе",
    "тракт",
    "көш.",
    "даң.",
    "ш/а",
    "шағынаудан",
];

/// Markers written after the street's name (Kazakh word order).
const AFTER_NAME: &[&str] = &[
    "көшесі",
    "көшесінің",
    "көшесінде",
    "даңғылы",
    "даңғылының",
    "даңғылында",
    "шағынауданы",
    "шағын ауданы",
    "ықшамауданы",
    "микрорайон",
    "мкр.",
];

fn automaton() -> &'static (AhoCorasick, usize) {
    static AC: OnceLock<(AhoCorasick, usize)> = OnceLock::new();
    AC.get_or_init(|| {
        let mut pats: Vec<String> = Vec::new();
        for w in BEFORE_NAME.iter().chain(AFTER_NAME) {
            let lower = w.to_string();
            let mut cs = lower.chars();
            let cap: String = cs
                .next()
                .map(|f| f.to_uppercase().chain(cs).collect())
                .unwrap_or_default();
            pats.push(lower);
            pats.push(cap);
        }
        // An NFA: searched anchored at a few Cyrillic word starts, where a
        // DFA's speed does not show, while building one cost a one-file
        // scan ~20 M instructions (a third of its start).
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .start_kind(StartKind::Anchored)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&pats)
            .unwrap_or_else(|_| AhoCorasick::new([" never "]).expect("a literal pattern builds"));
        (ac, BEFORE_NAME.len() * 2)
    })
}

fn char_before(text: &str, p: usize) -> Option<char> {
    text[..p].chars().next_back()
}

fn char_at(text: &str, p: usize) -> Option<char> {
    text[p..].chars().next()
}

fn skip_blanks(text: &str, mut p: usize) -> usize {
    while let Some(c) = char_at(text, p) {
        if c == ' ' || c == '\u{a0}' {
            p += c.len_utf8();
        } else {
            break;
        }
    }
    p
}

/// A street's name at `p`: one to three capitalised words (`Абая`, `Кабанбай
/// батыра`, `Аль-Фараби`) or a number (`мкр. 5`, `1-й микрорайон`). Returns
/// its end.
fn street_name(text: &str, p: usize, numbered: bool) -> Option<usize> {
    let c = char_at(text, p)?;
    if c.is_ascii_digit() && numbered {
        let mut e = p;
        while char_at(text, e).is_some_and(|c| c.is_ascii_digit()) {
            e += 1;
        }
        return (e - p <= 3).then_some(e);
    }
    if !c.is_uppercase() {
        return None;
    }
    let mut e = p;
    let mut words = 0;
    loop {
        let ws = e;
        while let Some(c) = char_at(text, e) {
            if c.is_alphanumeric() || c == '-' || c == '.' && e > ws && words > 0 {
                e += c.len_utf8();
            } else {
                break;
            }
        }
        if e == ws {
            break;
        }
        words += 1;
        // A second word in lower case (`Кабанбай батыра`, `Бауыржан
        // Момышұлы`), or capitalised; not a marker or a number word.
        let next = skip_blanks(text, e);
        if words >= 3 || next == e {
            break;
        }
        let Some(nc) = char_at(text, next) else { break };
        if !nc.is_alphabetic() {
            break;
        }
        let w: String = text[next..]
            .chars()
            .take_while(|c| c.is_alphabetic())
            .collect::<String>()
            .to_lowercase();
        if !TITLES.contains(&w.as_str()) && !nc.is_uppercase() {
            break;
        }
        if is_house_word(&w) || is_marker_word(&w) {
            break;
        }
        e = next;
    }
    // `Абая,` → the name ends before the comma.
    while text[..e].ends_with('.') || text[..e].ends_with('-') {
        e -= 1;
    }
    (e > p).then_some(e)
}

/// Titles written in lower case after a name in street names (`Кабанбай
/// батыра`, `Төле би`).
const TITLES: &[&str] = &["батыра", "батыр", "би", "хана", "хан", "ата", "апа"];

fn is_house_word(w: &str) -> bool {
    matches!(
        w,
        "д" | "дом" | "үй" | "кв" | "пәтер" | "корпус" | "корп" | "оф"
    )
}

fn is_marker_word(w: &str) -> bool {
    matches!(
        w,
        "көшесі"
            | "даңғылы"
            | "шағынауданы"
            | "ықшамауданы"
            | "микрорайон"
            | "мкр"
            | "ул"
            | "улица"
    )
}

/// A house (and flat) after a street, from `p`: `, д. 15`, ` 15А`, `, 15/2`,
/// `, үй 7`, `, дом 3, кв. 45`, `15-үй, 12-пәтер`. Returns its end.
fn house(text: &str, p: usize) -> Option<usize> {
    let mut q = p;
    if char_at(text, q) == Some(',') {
        q += 1;
    }
    q = skip_blanks(text, q);
    let rest = &text[q..];
    let lower: String = rest.chars().take(10).collect::<String>().to_lowercase();
    for w in ["д.", "дом", "үй", "h.", "house"] {
        if lower.starts_with(w) {
            q = skip_blanks(text, q + w.len());
            break;
        }
    }
    let mut e = number(text, q)?;
    // `15-үй` (Kazakh: number, then the word).
    for w in ["-үй", " үй"] {
        if text[e..].starts_with(w) {
            e += w.len();
        }
    }
    // A flat: `, кв. 45`, `кв.45`, `, пәтер 12`, `12-пәтер`.
    let mut r = e;
    if char_at(text, r) == Some(',') {
        r += 1;
    }
    r = skip_blanks(text, r);
    let lower: String = text[r..]
        .chars()
        .take(10)
        .collect::<String>()
        .to_lowercase();
    for w in ["кв.", "кв ", "квартира", "пәтер", "оф.", "офис"] {
        if lower.starts_with(w) {
            let s = skip_blanks(text, r + w.len());
            if let Some(f) = number(text, s) {
                e = f;
            }
            break;
        }
    }
    if let Some(f) = number(text, r) {
        if text[f..].starts_with("-пәтер") {
            e = f + "-пәтер".len();
        }
    }
    Some(e)
}

/// A house or flat number: `15`, `15А`, `15/2`, `15к2`.
fn number(text: &str, p: usize) -> Option<usize> {
    let mut e = p;
    while char_at(text, e).is_some_and(|c| c.is_ascii_digit()) {
        e += 1;
    }
    if e == p || e - p > 4 {
        return None;
    }
    if text[e..].starts_with('/') && char_at(text, e + 1).is_some_and(|c| c.is_ascii_digit()) {
        e += 1;
        while char_at(text, e).is_some_and(|c| c.is_ascii_digit()) {
            e += 1;
        }
    }
    if let Some(c) = char_at(text, e) {
        if c.is_alphabetic()
            && !char_at(text, e + c.len_utf8()).is_some_and(|d| d.is_alphanumeric())
        {
            e += c.len_utf8();
        } else if c.is_alphanumeric() {
            return None;
        }
    }
    Some(e)
}

const LOCALITY_MARKERS: &[&str] = &[
    "г",
    "город",
    "қ",
    "қаласы",
    "обл",
    "область",
    "облысы",
    "р-н",
    "район",
    "ауданы",
    "с",
    "село",
    "ауылы",
    "пос",
    "п",
    "рк",
];

const CITIES: &[&str] = &[
    "казахстан",
    "қазақстан",
    "алматы",
    "астана",
    "шымкент",
    "караганда",
    "қарағанды",
    "актобе",
    "ақтөбе",
    "тараз",
    "павлодар",
    "усть-каменогорск",
    "өскемен",
    "семей",
    "атырау",
    "костанай",
    "қостанай",
    "кызылорда",
    "қызылорда",
    "уральск",
    "орал",
    "петропавловск",
    "петропавл",
    "актау",
    "ақтау",
    "туркестан",
    "түркістан",
    "кокшетау",
    "көкшетау",
    "талдыкорган",
    "талдықорған",
    "экибастуз",
    "екібастұз",
    "жезказган",
    "жезқазған",
    "конаев",
    "қонаев",
];

/// A locality part of an address (`г. Алматы`, `Алматы қаласы`,
/// `Алматинская обл.`, `050000`, `A15E3D1`): every word a locality marker,
/// a capitalised name or a postcode, and at least one a marker, a city or
/// a postcode. (`Доставка по адресу` is not one: `по` is none of these.)
fn is_locality(segment: &str) -> bool {
    let words: Vec<&str> = segment
        .split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 4 {
        return false;
    }
    let mut signal = false;
    let last = words.len() - 1;
    for (i, w) in words.iter().enumerate() {
        let l = w.to_lowercase();
        // One-letter markers open the part (`г. Алматы`) or,
        // `қ.`, close it (`Алматы қ.`); elsewhere a lone letter is an
        // initial (`А. С. Садыков`), and the part no locality.
        if l.chars().count() == 1 {
            if i == 0 && l == "г" || i == last && l == "қ" {
                signal = true;
                continue;
            }
            return false;
        }
        let postcode = is_old_postcode(w) || is_new_postcode(w);
        if LOCALITY_MARKERS.contains(&l.as_str()) || CITIES.contains(&l.as_str()) || postcode {
            signal = true;
        } else if !w.chars().next().is_some_and(char::is_uppercase) {
            return false;
        }
    }
    signal
}

/// The longest tail of `segment` (up to four words) that is a locality:
/// its start, as an offset into `segment`.
fn locality_tail(segment: &str) -> Option<usize> {
    let mut starts: Vec<usize> = vec![0];
    for (i, c) in segment.char_indices() {
        if c == ' ' {
            starts.push(i + 1);
        }
    }
    starts
        .into_iter()
        .filter(|&i| i < segment.len())
        .find(|&i| is_locality(&segment[i..]))
}

/// Old six-digit postcodes: Kazakhstan's run from 010000 to 180000.
fn is_old_postcode(w: &str) -> bool {
    w.len() == 6
        && w.bytes().all(|c| c.is_ascii_digit())
        && matches!(
            &w[..2],
            "01" | "02"
                | "03"
                | "04"
                | "05"
                | "06"
                | "07"
                | "08"
                | "09"
                | "10"
                | "11"
                | "12"
                | "13"
                | "14"
                | "15"
                | "16"
                | "17"
                | "18"
        )
}

/// The 2018 postcodes: letter, 2 digits, letter, digit, letter, digit
/// (`A15E3D1`, `Z05T3E2`).
pub fn is_new_postcode(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() == 7
        && b[0].is_ascii_uppercase()
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && b[3].is_ascii_uppercase()
        && b[4].is_ascii_digit()
        && b[5].is_ascii_uppercase()
        && b[6].is_ascii_digit()
}

/// Extends an address leftwards over the comma-separated locality parts
/// before it (`050000, г. Алматы, ул. …`). Returns the new start and
/// whether a locality was found.
fn locality_before(text: &str, start: usize) -> (usize, bool) {
    let mut s = start;
    let mut found = false;
    for _ in 0..4 {
        let mut q = s;
        while let Some(c) = char_before(text, q) {
            if c == ' ' || c == '\u{a0}' {
                q -= c.len_utf8();
            } else {
                break;
            }
        }
        // Parts are split by commas; the street may also follow its city
        // without one (`г. Алматы ул. Абая`).
        let comma = char_before(text, q) == Some(',');
        if comma {
            q -= 1;
        } else if q == s || found {
            break;
        }
        let seg_end = q;
        let mut p = q;
        while let Some(c) = char_before(text, p) {
            if matches!(c, ',' | '\n' | ';' | ':' | '(' | '"' | '«' | '\t' | '|')
                || seg_end - p > 64
            {
                break;
            }
            p -= c.len_utf8();
        }
        let p = super::floor_char_boundary(text, p);
        let Some(off) = locality_tail(&text[p..seg_end]) else {
            break;
        };
        let p = skip_blanks(text, p + off);
        if p >= seg_end {
            break;
        }
        s = p;
        found = true;
        // A tail that is not the whole part ends the address's start.
        if off > 0 && !text[..p].trim_end().ends_with(',') {
            let before = text[..p].trim_end();
            if !before.is_empty()
                && !matches!(
                    before.chars().next_back(),
                    Some('\n' | ';' | ':' | '(' | '"' | '«' | '\t' | '|')
                )
            {
                break;
            }
        }
    }
    (s, found)
}

/// Addresses whose street marker begins in `from..to` of `text`.
pub fn find(text: &str, from: usize, to: usize, found: &mut dyn FnMut(Found)) {
    let (ac, n_before) = automaton();
    let b = text.as_bytes();
    let to = to.min(b.len());
    let mut resume = from;
    let mut i = from;
    // Every marker begins with a Cyrillic letter (lead byte 0xD0 or 0xD1)
    // at a word's start: look only there, so ASCII text costs one memchr.
    while i < to {
        let Some(off) = memchr::memchr2(0xD0, 0xD1, &b[i..to]) else {
            break;
        };
        let ms = i + off;
        i = ms + 2;
        // Inside a word (an ASCII letter or a Cyrillic letter before it).
        if ms < resume
            || (ms > 0 && b[ms - 1].is_ascii_alphanumeric())
            || (ms > 1 && b[ms - 1] >= 0x80 && (0xD0..=0xD3).contains(&b[ms - 2]))
        {
            continue;
        }
        let input = Input::new(text)
            .span(ms..text.len())
            .anchored(Anchored::Yes);
        let Some(m) = ac.find(input) else {
            continue;
        };
        let me = m.end();
        // The marker is a word of its own.
        if char_before(text, ms).is_some_and(char::is_alphanumeric) {
            continue;
        }
        let marker = &text[ms..me];
        if !marker.ends_with(['.', ' ']) && char_at(text, me).is_some_and(char::is_alphanumeric) {
            continue;
        }
        let before_name = m.pattern().as_usize() < *n_before;
        let (street_start, street_end) = if before_name {
            let p = skip_blanks(text, me);
            // Only microdistricts are numbered (`мкр. 5`); `пр. 5` is not a street.
            let numbered = marker.to_lowercase().starts_with(['м', 'ш']);
            let Some(e) = street_name(text, p, numbered) else {
                continue;
            };
            (ms, e)
        } else {
            // `Абай даңғылы`, `Самал-2 шағынауданы`: the name is the word(s)
            // before the marker.
            let mut q = ms;
            while char_before(text, q).is_some_and(|c| c == ' ' || c == '\u{a0}') {
                q -= 1;
            }
            let name_end = q;
            let mut name_start = q;
            let mut words = 0;
            let mut p = q;
            while words < 2 {
                let we = p;
                while let Some(c) = char_before(text, p) {
                    if c.is_alphanumeric() || c == '-' {
                        p -= c.len_utf8();
                    } else {
                        break;
                    }
                }
                if p == we {
                    break;
                }
                let upper =
                    char_at(text, p).is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
                if upper {
                    name_start = p;
                    words += 1;
                } else if !(words == 0
                    && name_start == name_end
                    && TITLES.contains(&text[p..we].to_lowercase().as_str()))
                {
                    // `Төле би көшесі`: a title after the name; anything
                    // else in lower case ends the name.
                    break;
                }
                if char_before(text, p) != Some(' ') {
                    break;
                }
                p -= 1;
            }
            if name_start == name_end {
                continue;
            }
            (name_start, me)
        };
        let (start, located) = locality_before(text, street_start);
        let (end, strength) = match house(text, street_end) {
            Some(e) => (e, Strength::House),
            None if located => (street_end, Strength::Located),
            None => (street_end, Strength::Street),
        };
        if end > to + 80 {
            continue;
        }
        resume = end;
        i = i.max(end);
        found(Found {
            start,
            end,
            strength,
        });
    }
}

/// The normalised form of an address for fingerprints: lower case, one
/// blank between words, no blanks before commas.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        if !out.is_empty() && !w.starts_with(',') {
            out.push(' ');
        }
        out.push_str(&w.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(text: &str) -> Vec<(String, Strength)> {
        let mut v = Vec::new();
        find(text, 0, text.len(), &mut |f| {
            v.push((text[f.start..f.end].to_string(), f.strength))
        });
        v
    }

    #[test]
    fn shapes_of_addresses() {
        use Strength::*;
        for (text, want, strength) in [
            (
                "доставка: г. Алматы, ул. Абая, д. 15, кв. 45.",
                "г. Алматы, ул. Абая, д. 15, кв. 45",
                House,
            ),
            (
                "050000, г. Алматы, пр. Достык 5",
                "050000, г. Алматы, пр. Достык 5",
                House,
            ),
            (
                "A15E3D1, Алматы қаласы, Абай даңғылы, 10-үй, 5-пәтер",
                "A15E3D1, Алматы қаласы, Абай даңғылы, 10-үй, 5-пәтер",
                House,
            ),
            ("живёт на ул. Абая", "ул. Абая", Street),
            (
                "г. Астана, ул. Кенесары",
                "г. Астана, ул. Кенесары",
                Located,
            ),
            (
                "мкр. Самал-2, д. 33, кв. 7",
                "мкр. Самал-2, д. 33, кв. 7",
                House,
            ),
            (
                "Астана, ул. Кабанбай батыра, 53",
                "Астана, ул. Кабанбай батыра, 53",
                House,
            ),
        ] {
            assert_eq!(addrs(text), vec![(want.to_string(), strength)], "{text}");
        }
    }

    #[test]
    fn not_addresses() {
        for text in [
            "и пр. расходы",
            "пр. 5 заказа",
            "улица была пуста",
            "улучшение",
            "шоссейный",
        ] {
            assert_eq!(addrs(text), vec![], "{text}");
        }
    }

    #[test]
    fn postcodes() {
        assert!(is_new_postcode("A15E3D1"));
        assert!(!is_new_postcode("A15E3D12"));
        assert!(is_old_postcode("050000"));
        assert!(!is_old_postcode("990000"));
    }
}
