//! Phone numbering plans, from libphonenumber's metadata as shipped by the
//! `phonenumber` crate.
//!
//! The crate's own `parse` + `is_valid` would do, but each call runs a nom
//! parser, allocates, and matches every pattern through one process-wide
//! `Mutex<LruCache>` of regexes, which serialises the scanning threads; and
//! loading its database compiles a regex for every region, about 40 ms of
//! CPU at every start. The metadata is the part worth having, so build.rs
//! reads it at build time into static tables (`REGION_PLANS`), and here we
//! compile a region's patterns only when a number first needs them (most
//! runs: Kazakhstan's alone), into fully built DFAs, and apply the same rule
//! libphonenumber's `isValidNumber` does: the national number must match the
//! country's general pattern and at least one number type (fixed line,
//! mobile, toll free, VoIP, …), with a possible length.

use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::{util::syntax, Anchored, Input};
use std::sync::OnceLock;

/// One national-number pattern of the metadata, whitespace removed.
struct PatternPlan {
    pattern: &'static str,
    /// Possible national-number lengths; empty when any length is.
    lengths: &'static [u16],
}

/// One region's patterns: the general one, then each number type's.
struct RegionPlan {
    general: PatternPlan,
    types: &'static [PatternPlan],
}

// `REGION_PLANS: [RegionPlan; _]`, grouped by calling code, and
// `COUNTRY_PLANS: [(calling code, range of REGION_PLANS); _]`, sorted by code.
include!(concat!(env!("OUT_DIR"), "/phone_plans.rs"));

/// A whole-string matcher over ASCII digits. A fully built DFA rather
/// than `regex::Regex`: the patterns are small digit languages, and a
/// `Regex` fetches a search cache from a shared pool on every call, which
/// from any thread but the first cost a twentieth of a dump scan.
struct FullMatch(dense::DFA<Vec<u32>>);

impl FullMatch {
    fn new(pattern: &str) -> Option<FullMatch> {
        dense::Builder::new()
            // National numbers are ASCII digits: `\d` need not be Unicode's.
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(dense::Config::new().start_kind(StartKind::Anchored))
            .build(&format!("(?:{pattern})$"))
            .ok()
            .map(FullMatch)
    }

    fn is_match(&self, national: &str) -> bool {
        let input = Input::new(national).anchored(Anchored::Yes);
        matches!(self.0.try_search_fwd(&input), Ok(Some(_)))
    }
}

struct Pattern {
    re: FullMatch,
    lengths: &'static [u16],
}

impl Pattern {
    fn compile(plan: &PatternPlan) -> Option<Pattern> {
        Some(Pattern {
            re: FullMatch::new(plan.pattern)?,
            lengths: plan.lengths,
        })
    }

    fn matches(&self, national: &str) -> bool {
        (self.lengths.is_empty() || self.lengths.contains(&(national.len() as u16)))
            && self.re.is_match(national)
    }
}

struct Region {
    general: Pattern,
    /// National-number length → one regex for every number type (fixed
    /// line, mobile, toll free, …) possible at that length: one search
    /// instead of a dozen. Built when a number of that length first passes
    /// the general pattern.
    types_by_len: Vec<(u16, TypesAtLength)>,
}

/// The number types possible at one length, and their union once built.
struct TypesAtLength {
    patterns: Vec<&'static str>,
    union: OnceLock<Option<FullMatch>>,
}

impl TypesAtLength {
    /// A type the DFA builder refuses is left out of the union, as it would
    /// have been left out had it been built alone.
    fn union(&self) -> Option<&FullMatch> {
        self.union
            .get_or_init(|| {
                FullMatch::new(&self.patterns.join("|")).or_else(|| {
                    let buildable: Vec<&str> = self
                        .patterns
                        .iter()
                        .copied()
                        .filter(|p| FullMatch::new(p).is_some())
                        .collect();
                    (!buildable.is_empty()).then(|| FullMatch::new(&buildable.join("|")))?
                })
            })
            .as_ref()
    }
}

impl Region {
    /// Only the general pattern is built here. Source trees hold numbers of
    /// a hundred regions (`+1 …` reaches two dozen); building every type's
    /// DFA, and every length's union, for each cost a scan of one ~230 M
    /// instructions, almost all for numbers the general pattern refuses.
    fn compile(plan: &RegionPlan) -> Option<Region> {
        let general = Pattern::compile(&plan.general)?;
        let mut lengths: Vec<u16> = plan
            .types
            .iter()
            .flat_map(|t| t.lengths.iter().copied())
            .chain(general.lengths.iter().copied())
            .collect();
        lengths.sort_unstable();
        lengths.dedup();
        let types_by_len = lengths
            .into_iter()
            .filter_map(|len| {
                let patterns: Vec<&'static str> = plan
                    .types
                    .iter()
                    .filter(|t| t.lengths.is_empty() || t.lengths.contains(&len))
                    .map(|t| t.pattern)
                    .collect();
                (!patterns.is_empty()).then(|| {
                    (
                        len,
                        TypesAtLength {
                            patterns,
                            union: OnceLock::new(),
                        },
                    )
                })
            })
            .collect();
        Some(Region {
            general,
            types_by_len,
        })
    }

    fn valid(&self, national: &str) -> bool {
        let len = national.len() as u16;
        self.general.matches(national)
            && self.types_by_len.iter().any(|(l, types)| {
                *l == len && types.union().is_some_and(|re| re.is_match(national))
            })
    }
}

/// Each `REGION_PLANS` entry compiled, on first use: a run compiles only the
/// regions its numbers reach (`None`: a pattern the DFA builder refused).
static COMPILED: [OnceLock<Option<Region>>; REGION_PLANS.len()] =
    [const { OnceLock::new() }; REGION_PLANS.len()];

/// The `REGION_PLANS` of calling code `code`.
fn country_regions(code: u16) -> Option<std::ops::Range<usize>> {
    let i = COUNTRY_PLANS
        .binary_search_by_key(&code, |(c, _)| *c)
        .ok()?;
    Some(COUNTRY_PLANS[i].1.clone())
}

/// Is `national` (ASCII digits) a valid number in country `code`? Regions
/// are tried in order, so later ones are compiled only when earlier ones
/// reject the number.
pub fn valid_national(code: u16, national: &str) -> bool {
    country_regions(code).is_some_and(|mut range| {
        range.any(|i| {
            COMPILED[i]
                .get_or_init(|| Region::compile(&REGION_PLANS[i]))
                .as_ref()
                .is_some_and(|r| r.valid(national))
        })
    })
}

/// Splits an international number (digits after `+`) into its calling code
/// and national number. Calling codes are prefix-free (ITU E.164), so at
/// most one split exists.
pub fn split_country_code(digits: &[u8]) -> Option<(u16, &[u8])> {
    (1..=3).find_map(|n| {
        if digits.len() <= n {
            return None;
        }
        let code = std::str::from_utf8(&digits[..n])
            .ok()?
            .parse::<u16>()
            .ok()?;
        country_regions(code)
            .is_some()
            .then_some((code, &digits[n..]))
    })
}

/// Do the digit groups of a `+7` / `8` / `7` number (11 digits in all,
/// `lens` the digits in each group as written) follow a way people write
/// phone numbers? The prefix (`7` or `8`) stands alone or is joined to the
/// area code; the area code (3, 4 or 5 digits: `701`, `7172`, `71831`) is one
/// group; the subscriber number is whole or split 3-4, 3-2-2 (7 digits),
/// 2-2-2 or 3-3 (6) and 2-3, 3-2 or 1-2-2 (5: `8 (71831) 5-12-34`); a
/// 3-2-2 number whose blanks were stripped keeps only its last two groups
/// apart (`tel:+7701654-47-89`). Anything else (`790 23 790 917`,
/// `887 2008-07-08`, `7865567 1826`) is a row of numbers that happens to add
/// up to 11 digits.
pub fn trunk_grouping_ok(lens: &[usize]) -> bool {
    let subscriber_ok = |rest: &[usize]| -> bool {
        matches!(
            rest,
            [7] | [3, 4] | [3, 2, 2] | [6] | [2, 2, 2] | [3, 3] | [5] | [2, 3] | [3, 2] | [1, 2, 2]
        )
    };
    match lens {
        [11] => true,
        [1, 10] => true,
        [7, 2, 2] => true,
        [1, area, rest @ ..] if (3..=5).contains(area) => {
            rest.iter().sum::<usize>() == 10 - area && subscriber_ok(rest)
        }
        [joined, rest @ ..] if (4..=6).contains(joined) => {
            rest.iter().sum::<usize>() == 11 - joined && subscriber_ok(rest)
        }
        _ => false,
    }
}

/// Do the digit groups of an international number (`lens` as written,
/// after the `+`) start with the country code alone, as numbers are written
/// (`+49 7123 14881`, `+1 (415) 555-2671`), or run unbroken? Groups after
/// the first have at least 2 digits: single digits mean a list.
/// `+4953-09709` (Germany 49 + "53") does not.
pub fn international_grouping_ok(lens: &[usize], country_code_len: usize) -> bool {
    match lens {
        [_] => true,
        [first, rest @ ..] => *first == country_code_len && rest.iter().all(|&l| l >= 2),
        [] => false,
    }
}

/// `±DDMM±DDDMM` or `±DDMMSS±DDDMMSS` right at `b[0]` (the sign): a
/// latitude and longitude in ISO 6709, as `zone.tab` writes them, not a
/// phone number. Returns the length of the coordinates.
pub fn iso6709_len(b: &[u8]) -> Option<usize> {
    let run = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    if !matches!(b.first(), Some(b'+' | b'-')) {
        return None;
    }
    let lat = run(1);
    if lat != 4 && lat != 6 {
        return None;
    }
    if !matches!(b.get(1 + lat), Some(b'+' | b'-')) {
        return None;
    }
    let lon = run(2 + lat);
    (lon == lat + 1).then_some(2 + lat + lon)
}

/// Validates a phone number's digits, returning its E.164 form.
///
/// - `plus`: written with `+`; any country, when valid for it.
/// - otherwise 11 digits with the Kazakh/Russian trunk prefix `8`
///   (`8 701 …`), or `7` + 10 digits as CRMs store them (`77012345678`).
///   Unformatted runs must be mobile-looking (national number starting 7
///   for Kazakhstan or 9 for Russian mobiles): a bare 11-digit run is
///   otherwise too often an account or order number.
pub fn validate(digits: &[u8], plus: bool, formatted: bool) -> Option<String> {
    let (code, national) = if plus {
        split_country_code(digits)?
    } else {
        if digits.len() != 11 || !matches!(digits[0], b'7' | b'8') {
            return None;
        }
        if !formatted && !matches!(digits[1], b'7' | b'9') {
            return None;
        }
        if !formatted && digits[0] == b'7' && digits[1] != b'7' {
            // `79…` without a plus or formatting: too ambiguous.
            return None;
        }
        if !formatted && digits[6..].iter().all(|&d| d == b'0') {
            // A bare round number (`gdp="89540000000"`) is an amount.
            return None;
        }
        (7, &digits[1..])
    };
    let national = std::str::from_utf8(national).ok()?;
    if national.len() < 4 || national.len() > 14 {
        return None;
    }
    if code == 7 && national.len() != 10 {
        return None;
    }
    // Pushed, not `format!`ed: this runs once per phone found.
    valid_national(code, national).then(|| {
        let mut e164 = String::with_capacity(national.len() + 4);
        e164.push('+');
        e164.push_str(itoa::Buffer::new().format(code));
        e164.push_str(national);
        e164
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(digits: &str, plus: bool, formatted: bool) -> Option<String> {
        validate(digits.as_bytes(), plus, formatted)
    }

    #[test]
    fn kazakh_mobiles_and_landlines() {
        for mobile in [
            "7701", "7702", "7705", "7707", "7708", "7747", "7760", "7764", "7771", "7775", "7778",
            "7785",
        ] {
            let d = format!("{mobile}2345678");
            assert_eq!(v(&d, true, true), Some(format!("+{d}")), "{d}");
        }
        assert_eq!(
            v("77172556677", true, true).as_deref(),
            Some("+77172556677")
        );
        assert_eq!(
            v("87273556677", false, true).as_deref(),
            Some("+77273556677")
        );
        assert_eq!(
            v("87012345678", false, false).as_deref(),
            Some("+77012345678")
        );
        assert_eq!(
            v("77012345678", false, false).as_deref(),
            Some("+77012345678")
        );
    }

    #[test]
    fn unassigned_ranges_are_rejected() {
        assert_eq!(v("70991234567", true, true), None, "+7 099");
        assert_eq!(v("81161234567", false, true), None, "8 116");
        assert_eq!(v("77992345678", true, true), None, "+7 799 is not assigned");
        assert_eq!(v("77092345678", true, true), None, "+7 709 is not assigned");
    }

    #[test]
    fn international_numbers_valid_for_their_country() {
        assert_eq!(
            v("79161234567", true, true).as_deref(),
            Some("+79161234567")
        );
        assert_eq!(
            v("998901234567", true, true).as_deref(),
            Some("+998901234567")
        );
        assert_eq!(
            v("996555123456", true, true).as_deref(),
            Some("+996555123456")
        );
        assert_eq!(
            v("14155552671", true, true).as_deref(),
            Some("+14155552671")
        );
        assert_eq!(
            v("442079460958", true, true).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(v("4930123456", true, true).as_deref(), Some("+4930123456"));
        assert_eq!(v("99890123456", true, true), None, "one digit short");
        assert_eq!(v("0600", true, true), None, "a UTC offset");
    }

    #[test]
    fn bare_runs_must_look_mobile() {
        assert_eq!(v("84951234567", false, false), None);
        assert_eq!(
            v("84951234567", false, true).as_deref(),
            Some("+74951234567")
        );
        assert_eq!(
            v("89161234567", false, false).as_deref(),
            Some("+79161234567")
        );
        assert_eq!(v("79161234567", false, false), None);
    }

    #[test]
    fn plan_tables_are_sorted_and_contiguous() {
        // `country_regions` binary-searches the codes; each code owns the
        // next slice of regions.
        let mut next = 0;
        for pair in COUNTRY_PLANS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (code, range) in &COUNTRY_PLANS {
            assert_eq!(range.start, next, "+{code}");
            assert!(range.end > range.start, "+{code} has no region");
            next = range.end;
        }
        assert_eq!(next, REGION_PLANS.len());
    }

    #[test]
    fn groupings_people_write() {
        for ok in [
            &[11][..],
            &[1, 10],
            &[1, 3, 3, 2, 2],
            &[1, 3, 7],
            &[1, 3, 3, 4],
            &[1, 4, 2, 2, 2],
            &[1, 5, 1, 2, 2],
            &[1, 5, 5],
            &[1, 5, 2, 3],
            &[4, 3, 2, 2],
        ] {
            assert!(trunk_grouping_ok(ok), "{ok:?}");
        }
        // postgres.bki, vim's Ada headers, /proc/locks: rows of numbers.
        for bad in [
            &[3, 2, 3, 3][..],
            &[3, 4, 2, 2],
            &[3, 4, 4],
            &[3, 3, 2, 3],
            &[7, 4],
            &[1, 2, 8],
            &[1, 3, 1, 3, 3],
        ] {
            assert!(!trunk_grouping_ok(bad), "{bad:?}");
        }
        assert!(international_grouping_ok(&[2, 4, 5], 2));
        assert!(international_grouping_ok(&[12], 3));
        assert!(!international_grouping_ok(&[4, 5], 2), "+4953-09709");
        assert!(!international_grouping_ok(&[3, 2, 1, 3], 3));
    }

    #[test]
    fn kazakh_five_digit_area_codes() {
        // District landlines (Kazakhstan's numbering plan: 7 + 5-digit area
        // code + 5-digit subscriber), e.g. 71831 Akkol district.
        assert_eq!(
            v("87183151234", false, true).as_deref(),
            Some("+77183151234")
        );
        assert_eq!(
            v("77183151234", true, true).as_deref(),
            Some("+77183151234")
        );
    }

    #[test]
    fn iso6709_coordinates() {
        assert_eq!(iso6709_len(b"+4953-09709\t"), Some(11));
        assert_eq!(iso6709_len(b"+5333-11328"), Some(11));
        assert_eq!(iso6709_len(b"+492717-0023210 x"), Some(15));
        assert_eq!(iso6709_len(b"-3352+15113"), Some(11));
        assert_eq!(iso6709_len(b"+77012345678"), None);
        assert_eq!(iso6709_len(b"+4953-0970"), None);
    }

    #[test]
    fn bare_round_numbers_are_amounts() {
        assert_eq!(v("89540000000", false, false), None);
        assert!(v("89540000000", false, true).is_some());
    }

    #[test]
    fn country_code_split() {
        assert_eq!(split_country_code(b"77012345678").map(|x| x.0), Some(7));
        assert_eq!(split_country_code(b"998901234567").map(|x| x.0), Some(998));
        assert_eq!(split_country_code(b"4930123456").map(|x| x.0), Some(49));
    }
}
