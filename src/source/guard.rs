//! Containing panics of third-party parsers.
//!
//! The PDF and spreadsheet readers (`pdf-extract`/`lopdf`, `calamine`) index
//! into malformed files' bytes and can panic on them (fuzzing found such an
//! `.xls`: `fuzz/regressions/spreadsheet/`). A file that a reader cannot
//! read is one broken file: it must become an error of that file, never end
//! the scan. [`contain`] runs such a reader under `catch_unwind` and keeps
//! the panic quiet: the default hook would print it, with whatever the
//! message quotes from the file, and a fuzzer's hook would abort on it.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`contain`].
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `read`; a panic inside it becomes `Err(())`. Panics elsewhere, on
/// other threads or outside `read`, still reach the hook set before.
pub fn contain<T>(read: impl FnOnce() -> T) -> Result<T, ()> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let outer = CONTAINED.with(|c| c.replace(true));
    // The reader's state is dropped with the panic; the caller only reports.
    let result = panic::catch_unwind(AssertUnwindSafe(read));
    CONTAINED.with(|c| c.set(outer));
    result.map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_an_error_and_values_pass_through() {
        assert_eq!(contain(|| 7), Ok(7));
        let slice: &[u8] = &[1, 2, 3];
        let start = slice.len() + 2;
        assert_eq!(contain(|| slice[start..].len()), Err(()));
        // Nested use restores the outer state.
        assert_eq!(
            contain(|| contain(|| -> u8 { panic!("inner") })),
            Ok(Err(()))
        );
        assert!(!CONTAINED.with(Cell::get));
    }
}
