//! Calibration by the candidates' pass rate.
//!
//! A validator turns away most random numbers, but not all: in the 12-digit
//! stroke codes of `cns11643_stroke` (digits 1–5 only) about 1 in 30 is a
//! valid IIN, and a table of thousands yields dozens. In a real IIN column
//! nearly every candidate validates; in a table of numbers the few that do
//! are chance hits.
//!
//! What tells them apart is the check digit, the one part of a value that
//! the shape of a table cannot explain. So, per scan pass (a segment of a
//! file, or a batch of rows of a structured file), each detector whose
//! validator ends in a check digit counts its *bare* candidates (digit runs;
//! grouped and prefixed ones carry their own evidence) that have the right
//! shape — an IIN's real birth date and century, a card's scheme prefix and
//! length ([`Validator::shape_ok`]) — and how many of those also pass the
//! check. For real values that is all of them; by chance it is one in ten
//! ([`Validator::check_chance`], worked out from the checksums by
//! enumeration in this module's tests). When the count is within chance,
//! what passed without a context keyword is lowered to `low`, with
//! [`Lowered::ChanceRate`] saying why.
//!
//! A log repeating one IIN is not a table: the rate is judged only when at
//! least [`MIN_DISTINCT`] different candidates of the right shape were seen.

use super::validate::Validator;
use crate::model::{Confidence, Lowered, Match};

/// Fewer different candidates of the right shape than this say nothing
/// about a table.
const MIN_DISTINCT: usize = 8;

/// One detector's bare candidates of the right shape in one scan pass.
pub struct Tally {
    pub det: usize,
    /// Candidates of the right shape, and how many passed the check too.
    shaped: u32,
    passed: u32,
    /// Start of the last candidate and whether it counted: an extractor may
    /// try several ends from one start.
    last: Option<(usize, bool, bool)>,
    /// Hashes of the first different candidates, up to [`MIN_DISTINCT`].
    distinct: Vec<u64>,
    /// Indices (in the scan's output) of the values that passed without a
    /// context keyword: what is lowered if the pass rate is chance.
    lowerable: Vec<usize>,
}

impl Tally {
    pub fn new(det: usize) -> Tally {
        Tally {
            det,
            shaped: 0,
            passed: 0,
            last: None,
            distinct: Vec::new(),
            lowerable: Vec::new(),
        }
    }

    /// Records a bare candidate starting at `start`; `pushed` is the index
    /// of its match in the output when it validated, and whether a context
    /// keyword raised it.
    pub fn note(
        &mut self,
        validator: Validator,
        start: usize,
        digits: &[u8],
        pushed: Option<(usize, bool)>,
    ) {
        let passed = pushed.is_some();
        if let Some((index, false)) = pushed {
            self.lowerable.push(index);
        }
        if let Some((last, counted, was_passed)) = self.last {
            if last == start {
                // Another end tried from the same start.
                if counted && passed && !was_passed {
                    self.passed += 1;
                }
                self.last = Some((start, counted, was_passed || passed));
                return;
            }
        }
        // A value that passed has the right shape; others are checked.
        let counted = passed || validator.shape_ok(digits) == Some(true);
        self.last = Some((start, counted, passed));
        if !counted {
            return;
        }
        self.shaped += 1;
        self.passed += u32::from(passed);
        if self.distinct.len() < MIN_DISTINCT {
            // FNV-1a: only to tell a few values apart.
            let key = digits.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &d| {
                (h ^ u64::from(d)).wrapping_mul(0x0100_0000_01b3)
            });
            if !self.distinct.contains(&key) {
                self.distinct.push(key);
            }
        }
    }

    /// Lowers the values that passed to `low` when no more candidates of
    /// the right shape passed the check than chance would have.
    pub fn apply(&self, validator: Validator, out: &mut [Match]) {
        let Some(chance) = validator.check_chance() else {
            return;
        };
        if self.lowerable.is_empty()
            || self.distinct.len() < MIN_DISTINCT
            || !near_chance(self.shaped, self.passed, chance)
        {
            return;
        }
        for &i in &self.lowerable {
            if let Some(m) = out.get_mut(i) {
                m.confidence = Confidence::Low;
                m.lowered = Some(Lowered::ChanceRate);
            }
        }
    }
}

/// Is `passed` of `n` within what chance rate `p` gives: no more than the
/// expected count plus two standard deviations (Poisson) and one?
fn near_chance(n: u32, passed: u32, p: f64) -> bool {
    let expected = f64::from(n) * p;
    f64::from(passed) <= expected + 2.0 * expected.sqrt() + 1.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::validate::{kz_check_digit, luhn, KZ_CHECK_CHANCE};

    /// The chance that a random 12th digit is the IIN/BIN check digit of a
    /// random 11-digit prefix, by enumerating every prefix's pair of
    /// checksum residues (weights 1..11 and 3..11,1,2, mod 11) with digits
    /// `alphabet`, and every 12th digit from it.
    fn kz_chance(alphabet: &[u8]) -> f64 {
        const W1: [usize; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        const W2: [usize; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
        // prefixes[r1][r2]: how many prefixes so far give these residues.
        let mut prefixes = [[0f64; 11]; 11];
        prefixes[0][0] = 1.0;
        for pos in 0..11 {
            let mut next = [[0f64; 11]; 11];
            for (r1, row) in prefixes.iter().enumerate() {
                for (r2, &count) in row.iter().enumerate() {
                    for &d in alphabet {
                        let d = usize::from(d - b'0');
                        next[(r1 + d * W1[pos]) % 11][(r2 + d * W2[pos]) % 11] += count;
                    }
                }
            }
            prefixes = next;
        }
        let total = (alphabet.len() as f64).powi(12);
        let mut hits = 0.0;
        for (r1, row) in prefixes.iter().enumerate() {
            for (r2, &count) in row.iter().enumerate() {
                let check = if r1 != 10 { r1 } else { r2 };
                if check != 10 && alphabet.contains(&(b'0' + check as u8)) {
                    hits += count;
                }
            }
        }
        hits / total
    }

    /// The chance rates PRECISION.md documents, worked out from the
    /// validators: `cargo test --lib calibrate -- --nocapture` prints them.
    #[test]
    #[allow(clippy::print_stdout)] // the numbers PRECISION.md quotes
    fn chance_rates_of_the_check_digits() {
        let uniform = kz_chance(b"0123456789");
        let strokes = kz_chance(b"12345");
        println!("IIN/BIN check digit by chance, digits 0-9: {uniform:.5}");
        println!("IIN/BIN check digit by chance, digits 1-5: {strokes:.5}");
        assert!((uniform - KZ_CHECK_CHANCE).abs() < 1e-3, "{uniform}");
        // The stroke table's 1–5 alphabet makes a chance hit a little rarer.
        assert!((0.07..0.1).contains(&strokes), "{strokes}");
        // Luhn: of the ten last digits of any prefix, exactly one checks.
        for prefix in ["400000000000000", "5", "2200123", "62000000000000000"] {
            let ok = (b'0'..=b'9')
                .filter(|&d| {
                    let mut v = prefix.as_bytes().to_vec();
                    v.push(d);
                    luhn(&v)
                })
                .count();
            assert_eq!(ok, 1, "{prefix}");
        }
        assert_eq!(Validator::LuhnCard.check_chance(), Some(0.1));
        assert_eq!(Validator::Phone.check_chance(), None);
        // And the check digit agrees with the enumeration's reading of it.
        assert_eq!(kz_check_digit(b"85031530012"), Some(8));
    }

    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// The tally of `values` as bare IIN candidates, and the matches of
    /// those that validated.
    fn tally_of(values: &[String]) -> (Tally, Vec<Match>) {
        let mut t = Tally::new(0);
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let d = v.as_bytes();
            let pushed = crate::detect::validate::iin(d).then(|| {
                out.push(Match {
                    start: i,
                    end: i + 1,
                    line: 1,
                    column: 1,
                    category: crate::model::Category::Iin,
                    detector: "kz-iin",
                    confidence: Confidence::Medium,
                    normalized: v.clone(),
                    test: false,
                    lowered: None,
                    decoded: None,
                });
                (out.len() - 1, false)
            });
            t.note(Validator::Iin, i * 20, d, pushed);
        }
        (t, out)
    }

    /// A valid IIN for day `n` of 1980–, by computing its check digit.
    fn iin_for(n: u32) -> String {
        let (year, month, day) = (80 + n % 20, 1 + n % 12, 1 + n % 28);
        let serial = 100 + n * 7 % 900;
        let mut s = format!("{year:02}{month:02}{day:02}3{serial:03}");
        for eleventh in b'0'..=b'9' {
            let mut p = s.clone().into_bytes();
            p.push(eleventh);
            if let Some(c) = kz_check_digit(&p) {
                s.push(char::from(eleventh));
                s.push(char::from(b'0' + c));
                return s;
            }
        }
        unreachable!("some 11th digit gives a check digit")
    }

    #[test]
    fn a_table_of_stroke_codes_is_lowered_a_column_of_iins_is_not() {
        let mut state = 7;
        let codes: Vec<String> = (0..6000)
            .map(|_| {
                (0..12)
                    .map(|_| char::from(b'1' + (rng(&mut state) % 5) as u8))
                    .collect()
            })
            .collect();
        let (t, mut out) = tally_of(&codes);
        assert!(
            out.len() >= 10,
            "stroke codes pass by chance: {}",
            out.len()
        );
        t.apply(Validator::Iin, &mut out);
        assert!(out
            .iter()
            .all(|m| m.confidence == Confidence::Low && m.lowered == Some(Lowered::ChanceRate)));

        let iins: Vec<String> = (0..10).map(iin_for).collect();
        let (t, mut out) = tally_of(&iins);
        assert_eq!(out.len(), 10);
        t.apply(Validator::Iin, &mut out);
        assert!(out.iter().all(|m| m.confidence == Confidence::Medium));

        // Ten real IINs among two thousand random 12-digit order numbers:
        // far more than chance, so they stay.
        let mut mixed: Vec<String> = (0..2000)
            .map(|_| format!("{:012}", rng(&mut state) % 1_000_000_000_000))
            .collect();
        mixed.extend((100..110).map(iin_for));
        let (t, mut out) = tally_of(&mixed);
        t.apply(Validator::Iin, &mut out);
        let kept = out
            .iter()
            .filter(|m| m.confidence == Confidence::Medium)
            .count();
        assert_eq!(kept, out.len(), "{} of {} kept", kept, out.len());
    }

    #[test]
    fn one_value_repeated_is_not_a_table() {
        let values = vec![iin_for(1); 50];
        let (t, mut out) = tally_of(&values);
        t.apply(Validator::Iin, &mut out);
        assert_eq!(out.len(), 50);
        assert!(out.iter().all(|m| m.lowered.is_none()));
    }

    #[test]
    fn near_chance_bounds() {
        assert!(near_chance(100, 10, 0.1));
        assert!(near_chance(1000, 110, 0.1));
        assert!(!near_chance(100, 30, 0.1));
        assert!(!near_chance(8, 8, 0.1));
    }
}
