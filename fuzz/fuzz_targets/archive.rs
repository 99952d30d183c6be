//! Compressed streams and archives (gz, bz2, xz, zst, zip, tar, nested),
//! read the way a scan reads them: from a file, through `source::read_file`.
//! Formats are recognised by magic bytes, so the name only sometimes agrees
//! with the content; both paths get exercised.
#![no_main]
use libfuzzer_sys::fuzz_target;

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
    tizim_fuzz::read_as_file(tizim_fuzz::pick(&NAMES, data), data);
});
