//! What an IIN says about its holder: birth date and sex (the IIN layout is
//! `YYMMDD` + a century/sex digit + serial + check digit).
//!
//! Only the coarse traits ([`SubjectTraits`]) leave the scanner; the birth
//! date itself is personal data and is never stored in a finding.

use crate::model::{Sex, SubjectTraits};
use chrono::{Months, NaiveDate};

/// Age of majority in Kazakhstan: processing a minor's data needs a parent's
/// or guardian's consent (Law 94-V, art. 8).
pub const MAJORITY_YEARS: u32 = 18;

/// The birth date an IIN encodes, or `None` when the digits do not form one
/// (wrong length, century digit outside 1–6, impossible date). The check
/// digit is not verified here: the detector already did.
pub fn iin_birth_date(digits: &str) -> Option<NaiveDate> {
    let d = digits.as_bytes();
    if d.len() != 12 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |i: usize| u32::from(d[i] - b'0') * 10 + u32::from(d[i + 1] - b'0');
    let century = match d[6] {
        b'1' | b'2' => 1800,
        b'3' | b'4' => 1900,
        b'5' | b'6' => 2000,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(century + num(0) as i32, num(2), num(4))
}

/// The sex an IIN encodes, when its century digit is one of 1–6.
pub fn iin_sex(digits: &str) -> Option<Sex> {
    match digits.as_bytes().get(6)? {
        b'1' | b'3' | b'5' => Some(Sex::Male),
        b'2' | b'4' | b'6' => Some(Sex::Female),
        _ => None,
    }
}

/// Whether someone born on `birth` is under 18 on `today`.
pub fn is_minor(birth: NaiveDate, today: NaiveDate) -> bool {
    birth
        .checked_add_months(Months::new(MAJORITY_YEARS * 12))
        .is_some_and(|adult_on| adult_on > today)
}

/// The traits the inventory counts, from a normalised (digits-only) IIN.
pub fn iin_traits(digits: &str, today: NaiveDate) -> Option<SubjectTraits> {
    let birth = iin_birth_date(digits)?;
    Some(SubjectTraits {
        minor: is_minor(birth, today),
        sex: iin_sex(digits),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn decodes_century_and_sex_digit() {
        assert_eq!(iin_birth_date("900101300011"), Some(date(1990, 1, 1)));
        assert_eq!(iin_birth_date("120315600011"), Some(date(2012, 3, 15)));
        assert_eq!(iin_birth_date("991231200011"), Some(date(1899, 12, 31)));
        assert_eq!(iin_sex("900101300011"), Some(Sex::Male));
        assert_eq!(iin_sex("120315600011"), Some(Sex::Female));
    }

    #[test]
    fn rejects_what_is_not_a_birth_date() {
        assert_eq!(iin_birth_date("901301300011"), None, "month 13");
        assert_eq!(iin_birth_date("900230300011"), None, "30 February");
        assert_eq!(iin_birth_date("900101700011"), None, "century digit 7");
        assert_eq!(iin_birth_date("900101000011"), None, "century digit 0");
        assert_eq!(iin_birth_date("90010130001"), None, "11 digits");
        assert_eq!(iin_birth_date("9001013000a1"), None, "a letter");
        assert_eq!(iin_sex("900101000011"), None);
    }

    #[test]
    fn minor_until_the_eighteenth_birthday() {
        let birth = date(2007, 6, 15);
        assert!(is_minor(birth, date(2025, 6, 14)));
        assert!(!is_minor(birth, date(2025, 6, 15)));
        assert!(!is_minor(date(1990, 1, 1), date(2025, 6, 14)));
        let traits = iin_traits("070615600011", date(2025, 6, 14)).unwrap();
        assert!(traits.minor);
        assert_eq!(traits.sex, Some(Sex::Female));
    }
}
