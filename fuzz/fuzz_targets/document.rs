//! Documents (issue 12): docx, pptx, odt and odp packages streamed through
//! quick-xml by `source::read_file`: paragraphs as lines, table cells with
//! fields. Checks the sink contract, cell batches and masks; also reads the
//! bytes as prose (`source::document_prose`, for `tizim policy import`).
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["fuzz.docx", "fuzz.odt", "fuzz.pptx", "fuzz.odp"];

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    tizim_fuzz::read_as_file(tizim_fuzz::pick(&NAMES, data), data);
    // The same bytes read whole as prose, as `tizim policy import` does.
    let _ = tizim::source::document_prose(data);
});
