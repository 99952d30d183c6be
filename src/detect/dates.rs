//! Calendar dates in running text (`birth_date`): the shapes the single
//! pass hands over, and the validator. Numeric forms share
//! [`super::fields::birth_date`] with the value-level pass over columns
//! named for birth dates; this adds the written-out Russian, Kazakh and
//! English month names, which `chrono`'s parser knows only in English.

/// Month names as they follow a day number: Russian genitive, Kazakh
/// nominative, English. Matched by prefix, so Kazakh case endings
/// (`наурызда`) and English abbreviations with a full stop still count.
const MONTHS: [[&str; 3]; 12] = [
    ["января", "қаңтар", "january"],
    ["февраля", "ақпан", "february"],
    ["марта", "наурыз", "march"],
    ["апреля", "сәуір", "april"],
    ["мая", "мамыр", "may"],
    ["июня", "маусым", "june"],
    ["июля", "шілде", "july"],
    ["августа", "тамыз", "august"],
    ["сентября", "қыркүйек", "september"],
    ["октября", "қазан", "october"],
    ["ноября", "қараша", "november"],
    ["декабря", "желтоқсан", "december"],
];

/// The month a word names (1–12), from its start.
fn month_of(word: &str) -> Option<u32> {
    if !may_start_a_month(word.as_bytes().first()?) {
        return None;
    }
    // Without allocating: most words after a number are not months, and
    // their first letter rules out all but a few names.
    let first = word.chars().next()?.to_lowercase().next()?;
    let starts_with = |name: &str| {
        let mut w = word.chars().flat_map(char::to_lowercase);
        // The first letter as a char, not `starts_with(char)`: that one
        // encodes the char and calls memcmp, 36 times after every number.
        let mut initial = name.chars();
        initial.next() == Some(first) && name.chars().all(|n| w.next() == Some(n))
    };
    MONTHS
        .iter()
        .position(|names| names.iter().any(|n| starts_with(n)))
        .map(|i| i as u32 + 1)
}

/// Whether a word beginning with byte `lead` may be a month's name. Most
/// words after a number in code and logs are ASCII and begin with a letter
/// no English month name does (`1 byte`, `2 + x`), or are no word at all:
/// refused by one byte before any case folding. [`may_continue_date`]
/// asks it inline in the scanner, where calling [`month_of`] for each such
/// word cost ~90 M instructions on the registry tree.
#[inline(always)]
fn may_start_a_month(&lead: &u8) -> bool {
    lead >= 0x80
        || matches!(
            lead | 0x20,
            b'j' | b'f' | b'm' | b'a' | b's' | b'o' | b'n' | b'd'
        )
}

/// The word (letters) starting at `p`, as a byte range end.
fn word_end(text: &str, p: usize) -> usize {
    text[p..]
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(text.len(), |(i, _)| p + i)
}

/// One space (or no-break space) at `p`: where the next token starts.
fn space_at(b: &[u8], p: usize) -> Option<usize> {
    match b.get(p) {
        Some(b' ') => Some(p + 1),
        Some(0xC2) if b.get(p + 1) == Some(&0xA0) => Some(p + 2),
        _ => None,
    }
}

fn digits_at(b: &[u8], p: usize) -> usize {
    b[p.min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
}

/// Whether the two bytes after a digit run of `len` digits ending at `e`
/// can go on into a date-shaped token: a separator and a digit, or a
/// blank and what a month's name (or, after a year, `жыл`) starts with.
/// A necessary condition of [`date_end`], inline at every short number:
/// most numbers in code are followed by a blank and no month, or by
/// neither (2.4 M calls of `date_end` on a source tree).
#[inline(always)]
pub fn may_continue_date(b: &[u8], e: usize, len: usize) -> bool {
    let (Some(&sep), Some(&next)) = (b.get(e), b.get(e + 1)) else {
        return false;
    };
    match sep {
        b'.' | b'-' => next.is_ascii_digit(),
        b'/' => len <= 2 && next.is_ascii_digit(),
        // `ж` of `жыл` is 0xD0 0xB6.
        b' ' if len == 4 => next == 0xD0,
        b' ' => may_start_a_month(&next),
        0xC2 => next == 0xA0,
        _ => false,
    }
}

/// A date-shaped token starting at the digit run `s..e` of `text`; its end.
/// Boundaries are the caller's.
pub fn date_end(text: &str, s: usize, e: usize) -> Option<usize> {
    let b = text.as_bytes();
    let len = e - s;
    let sep = *b.get(e)?;
    match (len, sep) {
        // 15.03.1985, 15/03/1985, 15-03-1985
        (1 | 2, b'.' | b'/' | b'-') => {
            let m = digits_at(b, e + 1);
            let y_at = e + 1 + m;
            ((1..=2).contains(&m) && b.get(y_at) == Some(&sep) && digits_at(b, y_at + 1) == 4)
                .then_some(y_at + 5)
        }
        // 1985-03-15, 1985.03.15
        (4, b'-' | b'.') => {
            let d_at = e + 3;
            (digits_at(b, e + 1) == 2 && b.get(d_at) == Some(&sep) && digits_at(b, d_at + 1) == 2)
                .then_some(d_at + 3)
        }
        // 15 марта 1985
        (1 | 2, _) => {
            let w = space_at(b, e)?;
            // The month's name is letters only: matched against the text
            // from `w`, it is a prefix of the word there or of nothing, so
            // where the word ends is worked out for months alone.
            month_of(&text[w..])?;
            let we = word_end(text, w);
            let y = space_at(b, we)?;
            (digits_at(b, y) == 4).then_some(y + 4)
        }
        // 1985 жылғы 15 наурыз
        (4, _) => {
            let w = space_at(b, e)?;
            if !text[w..].starts_with("жыл") {
                return None;
            }
            let we = word_end(text, w);
            let d = space_at(b, we)?;
            let dl = digits_at(b, d);
            if !(1..=2).contains(&dl) {
                return None;
            }
            let mw = space_at(b, d + dl)?;
            let me = word_end(text, mw);
            month_of(&text[mw..me])?;
            Some(me)
        }
        _ => None,
    }
}

/// A date token (any [`date_end`] shape) as `YYYY-MM-DD`, when it is a
/// real date from 1900 to today.
pub fn birth_date(text: &str) -> Option<String> {
    if text
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'/' | b'-'))
    {
        return super::fields::birth_date(text);
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let (day, month, year) = match words.as_slice() {
        [d, m, y] if y.len() == 4 => (*d, *m, *y),
        [y, _jyl, d, m] => (*d, *m, *y),
        _ => return None,
    };
    let month = month_of(month)?;
    super::fields::birth_date(&format!("{year}-{month:02}-{day:0>2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Option<&str> {
        let e = text.bytes().take_while(u8::is_ascii_digit).count();
        date_end(text, 0, e).map(|end| &text[..end])
    }

    #[test]
    fn shapes_and_values() {
        for (written, want) in [
            ("15.03.1985 г.р.", "1985-03-15"),
            ("5/3/1985;", "1985-03-05"),
            ("1985-03-15T00:00", "1985-03-15"),
            ("15 марта 1985 г.", "1985-03-15"),
            ("15\u{a0}марта 1985", "1985-03-15"),
            ("1985 жылғы 15 наурыз", "1985-03-15"),
            ("1 January 2001", "2001-01-01"),
            ("29.02.2000", "2000-02-29"),
        ] {
            let token = shape(written).unwrap_or_else(|| panic!("{written}"));
            assert_eq!(birth_date(token).as_deref(), Some(want), "{written}");
        }
        for bad in ["30.02.1985", "15.03.1885", "15.03.2999", "15 мартышки"] {
            assert!(shape(bad).and_then(birth_date).is_none(), "{bad}");
        }
        assert_eq!(shape("15 марта"), None);
        assert_eq!(shape("1985.3"), None);
    }

    /// `may_continue_date` is a necessary condition of `date_end`: the
    /// scanner asks it first and skips `date_end` when it says no.
    #[test]
    fn may_continue_date_holds_wherever_a_date_ends() {
        // Slot by slot, so that most texts are dates or near misses.
        let numbers = ["1", "15", "03", "1985", "2001", "x", "Ж"];
        let seps = [".", "/", "-", " ", "\u{a0}", "+", "\n", ""];
        let middles = [
            "03",
            "3",
            "марта",
            "наурыз",
            "January",
            "may",
            "жылғы",
            "Ж",
            "x",
            "15",
            "қаңтар",
        ];
        let slots: [&[&str]; 7] = [&numbers, &seps, &middles, &seps, &numbers, &seps, &middles];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut dates = 0;
        for _ in 0..200_000 {
            let mut text = String::new();
            for slot in slots {
                text.push_str(slot[(next() % slot.len() as u64) as usize]);
            }
            let b = text.as_bytes();
            let mut s = 0;
            while s < b.len() {
                if !b[s].is_ascii_digit() || (s > 0 && b[s - 1].is_ascii_digit()) {
                    s += 1;
                    continue;
                }
                let e = s + b[s..].iter().take_while(|c| c.is_ascii_digit()).count();
                if date_end(&text, s, e).is_some() {
                    dates += 1;
                    assert!(may_continue_date(b, e, e - s), "{text:?} at {s}");
                }
                s = e;
            }
        }
        assert!(dates > 1000, "{dates}");
    }
}
