//! Compressed streams and archives (gz, bz2, xz, zst, zip, tar, nested),
//! read the way a scan reads them: from a file, through `source::read_file`.
//! Formats are recognised by magic bytes, so the name only sometimes agrees
//! with the content; both paths get exercised.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::{read_file, SourceOptions};
use tizim_fuzz::{scratch_file, CheckingSink};

const NAMES: [&str; 10] = [
    "fuzz.zip",
    "fuzz.tar",
    "fuzz.tar.gz",
    "fuzz.gz",
    "fuzz.bz2",
    "fuzz.xz",
    "fuzz.zst",
    "fuzz.tgz",
    "fuzz.tar.zst",
    "fuzz.bin",
];

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    let name = NAMES[data.len() % NAMES.len()];
    let path = scratch_file(name, data);
    let opts = SourceOptions {
        // Small limits keep each run fast; they are limits like any other.
        max_decompressed: 4 << 20,
        ..SourceOptions::default()
    };
    let mut sink = CheckingSink::new(name);
    read_file(&path, name, &opts, &mut sink);
    sink.finish();
});
