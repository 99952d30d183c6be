//! Valid values for generated test trees: deterministic, dependency-free.

/// xorshift64*: deterministic and good enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// A valid IIN of someone born on `yy-mm-dd` in the century `century`
/// (3/4: 1900s, 5/6: 2000s; odd male, even female), with a random serial.
pub fn iin_born(rng: &mut Rng, yy: u64, mm: u64, dd: u64, century: u64) -> String {
    loop {
        let body = format!("{yy:02}{mm:02}{dd:02}{century}{}", rng.digits(4));
        let d: Vec<u32> = body.bytes().map(|b| u32::from(b - b'0')).collect();
        let weighted = |w: &[u32]| d.iter().zip(w).map(|(a, b)| a * b).sum::<u32>() % 11;
        let mut check = weighted(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        if check == 10 {
            check = weighted(&[3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
        }
        if check < 10 {
            return format!("{body}{check}");
        }
    }
}

/// A valid IIN of an adult or, for `minor`, of a child born in the 2010s.
pub fn iin(rng: &mut Rng, minor: bool) -> String {
    let (yy, century) = if minor {
        (12 + rng.below(6), 5 + rng.below(2))
    } else {
        (50 + rng.below(45), 3 + rng.below(2))
    };
    let (mm, dd) = (1 + rng.below(12), 1 + rng.below(28));
    iin_born(rng, yy, mm, dd, century)
}

/// A Luhn-valid 16-digit Visa or Mastercard number.
pub fn card(rng: &mut Rng) -> String {
    let prefix = ["4", "51", "52", "55"][rng.below(4) as usize];
    let mut body = format!("{prefix}{}", rng.digits(15 - prefix.len()));
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let v = u32::from(b - b'0');
            match i % 2 {
                0 if v * 2 > 9 => v * 2 - 9,
                0 => v * 2,
                _ => v,
            }
        })
        .sum();
    body.push(char::from(b'0' + ((10 - sum % 10) % 10) as u8));
    body
}

/// A Kazakh mobile number as people write it.
pub fn phone(rng: &mut Rng) -> String {
    let operator = ["701", "702", "705", "707", "747", "771", "775", "777"][rng.below(8) as usize];
    format!(
        "+7 {operator} {} {} {}",
        rng.digits(3),
        rng.digits(2),
        rng.digits(2)
    )
}
