//! Buffers kept between files on each scanning thread.
//!
//! A tree of source code is mostly files of a few KiB, and each one used to
//! get a fresh zeroed read buffer and a text window grown from nothing: the
//! zeroing and the regrowth were ~6 % of the instructions of a scan of a
//! real source tree. A buffer given back here is handed to the next file
//! on the same thread as it is, stale bytes and all: its users track which
//! bytes are theirs, so nothing is cleared but the length of a `String`.

use std::cell::RefCell;

/// Buffers kept per thread, per kind: enough for the file being read (its
/// read buffer; its decoded head and text window) and a member read inside
/// it (an archive, a compressed stream).
const KEPT: usize = 3;
/// Larger buffers are freed rather than kept: memory stays bounded after a
/// file that needed an unusually large window.
const MAX_KEPT_BYTES: usize = 1 << 20;

thread_local! {
    static BYTES: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    static STRINGS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// A byte buffer of at least `len` bytes (length, not only capacity), with
/// whatever a previous user left in it.
pub fn bytes(len: usize) -> Vec<u8> {
    let kept = BYTES.with(|kept| {
        let mut kept = kept.borrow_mut();
        let i = kept.iter().position(|b| b.len() >= len)?;
        Some(kept.swap_remove(i))
    });
    kept.unwrap_or_else(|| vec![0; len])
}

/// Gives a buffer from [`bytes`] back for the next file.
pub fn give_bytes(buffer: Vec<u8>) {
    keep(&BYTES, buffer, Vec::len);
}

/// An empty `String`, with the capacity a previous user grew it to.
pub fn string() -> String {
    STRINGS
        .with(|kept| kept.borrow_mut().pop())
        .unwrap_or_default()
}

/// Gives a string from [`string`] back for the next file.
pub fn give_string(mut text: String) {
    text.clear();
    keep(&STRINGS, text, String::capacity);
}

/// Gives the allocation of a byte buffer that came from [`string`] back
/// as an empty string (its bytes need not be text: it is cleared).
pub fn give_allocation(mut buffer: Vec<u8>) {
    buffer.clear();
    give_string(String::from_utf8(buffer).unwrap_or_default());
}

/// Keeps `item` in `pool` unless it is over [`MAX_KEPT_BYTES`]. The largest
/// are kept: a small one kept in place of a large one would send every
/// larger file to a new allocation.
fn keep<T>(pool: &'static std::thread::LocalKey<RefCell<Vec<T>>>, item: T, size: fn(&T) -> usize) {
    if size(&item) > MAX_KEPT_BYTES {
        return;
    }
    // `try_with`: a decoder dropped while the thread is being torn down.
    let _ = pool.try_with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.len() < KEPT {
            kept.push(item);
        } else if let Some(smallest) = kept.iter_mut().min_by_key(|k| size(k)) {
            if size(smallest) < size(&item) {
                *smallest = item;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_given_back_is_handed_out_again_and_large_ones_are_not_kept() {
        let mut b = bytes(4096);
        assert!(b.len() >= 4096);
        b[0] = 7;
        let at = b.as_ptr();
        give_bytes(b);
        let again = bytes(100);
        assert_eq!(again.as_ptr(), at, "the kept buffer is reused");
        assert_eq!(
            again[0], 7,
            "and not cleared: its user tracks its own bytes"
        );
        // Too short for the request: a new one. Given back to a full pool,
        // a larger buffer takes the place of the smallest kept.
        give_bytes(again);
        let larger = bytes(8192);
        assert!(larger.len() >= 8192);
        let larger_at = larger.as_ptr();
        for _ in 0..KEPT {
            give_bytes(vec![0; 16]);
        }
        give_bytes(larger);
        let kept: Vec<usize> = BYTES.with(|k| k.borrow().iter().map(Vec::len).collect());
        assert_eq!(kept.len(), KEPT);
        let handed_out = bytes(8192);
        assert_eq!(handed_out.as_ptr(), larger_at, "{kept:?}");

        give_bytes(vec![0; MAX_KEPT_BYTES + 1]);
        assert!(BYTES.with(|k| k.borrow().iter().all(|b| b.len() <= MAX_KEPT_BYTES)));

        let mut s = string();
        s.push_str("left over");
        give_string(s);
        let s = string();
        assert!(s.is_empty() && s.capacity() >= 9);
    }
}
