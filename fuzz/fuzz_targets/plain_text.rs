//! The plain-text chunker: any UTF-8 text, read through buffers of every
//! size, must be reported exactly once, with real context around each
//! chunk and the right line numbers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::model::FileMeta;
use tizim::source::{text::scan_plain, SourceSink};
use tizim_fuzz::{buffer_capacity, CheckingSink, Tiling};

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let first_line = 1 + (data.len() % 3) as u64;
    let mut reader = std::io::BufReader::with_capacity(buffer_capacity(data), text.as_bytes());
    let mut sink = CheckingSink::new("fuzz.log");
    sink.tiling = Some(Tiling::new(text.to_string(), first_line));
    sink.begin(&FileMeta {
        path: "fuzz.log".into(),
        modified: None,
    });
    let result = scan_plain(&mut reader, first_line, &mut sink);
    assert!(
        result.is_ok(),
        "scan_plain failed on in-memory text: {result:?}"
    );
    sink.end();
    sink.finish();
});
