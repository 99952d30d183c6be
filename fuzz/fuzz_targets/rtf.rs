//! RTF (issue 12): the hand-written reader (control words, `\uN`, `\'hh` in
//! the font's code page, skipped destinations, `\bin`), reached through
//! `source::read_file` with any bytes after the `{\rtf` magic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::{read_file, SourceOptions};
use tizim_fuzz::{scratch_file, CheckingSink};

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    let mut bytes = b"{\\rtf1".to_vec();
    bytes.extend_from_slice(data);
    let path = scratch_file("fuzz.rtf", &bytes);
    let mut sink = CheckingSink::new("fuzz.rtf");
    read_file(&path, "fuzz.rtf", &SourceOptions::default(), &mut sink);
    sink.finish();
    // The same bytes read whole as prose, as `tizim policy import` does.
    let _ = tizim::source::document_prose(&bytes);
});
