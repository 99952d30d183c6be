//! PDF, read the way a scan reads it (`source::read_file`): malformed
//! files must become errors of the file, never a crash, a hang or an abort
//! (the reader runs under `catch_unwind`, with forms checked for cycles and
//! a deadline; see src/source/pdf.rs).
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::{read_file, SourceOptions};
use tizim_fuzz::{scratch_file, CheckingSink};

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    // Most inputs should reach the PDF reader: those without its header
    // (seeds have it) get one.
    let mut pdf = Vec::with_capacity(data.len() + 9);
    if !data.starts_with(b"%PDF-") {
        pdf.extend_from_slice(b"%PDF-1.7\n");
    }
    pdf.extend_from_slice(data);
    let path = scratch_file("fuzz.pdf", &pdf);
    let mut sink = CheckingSink::new("fuzz.pdf");
    read_file(&path, "fuzz.pdf", &SourceOptions::default(), &mut sink);
    sink.finish();
});
