//! Lines and columns in UTF-8 text: every stage that reports where a value
//! sits counts with these, over every byte of the input, so they are
//! written to vectorise.

/// Line breaks (`\n`) in `bytes`.
pub fn count_newlines(bytes: &[u8]) -> u64 {
    // memchr's counter picks AVX2 at run time; a plain `filter().count()`
    // compiles to baseline SSE2 with 64-bit lanes, several times slower.
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Characters in `bytes`: every byte that is not a UTF-8 continuation byte.
pub fn count_chars(bytes: &[u8]) -> u64 {
    // Summed in u8 lanes over blocks short enough not to overflow them, so
    // LLVM adds 16 bytes at a time instead of widening each to 64 bits.
    bytes
        .chunks(255)
        .map(|block| {
            block
                .iter()
                .map(|&b| u8::from((b as i8) >= -0x40))
                .fold(0u8, u8::wrapping_add) as u64
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn counts_agree_with_std(text in "\\PC{0,700}|[a\\n]{0,600}") {
            prop_assert_eq!(count_chars(text.as_bytes()), text.chars().count() as u64);
            prop_assert_eq!(
                count_newlines(text.as_bytes()),
                text.matches('\n').count() as u64
            );
        }
    }
}
