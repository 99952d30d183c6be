//! Spreadsheets (issue 12): xlsx/xlsm/xlsb/ods zips and xls OLE files read
//! through `source::read_file`, found by content, so any name may carry any
//! bytes. Checks the sink contract, cell batches and masks like the others.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::{read_file, SourceOptions};
use tizim_fuzz::{scratch_file, CheckingSink};

const NAMES: [&str; 4] = ["fuzz.xlsx", "fuzz.xls", "fuzz.ods", "fuzz.xlsb"];

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    let name = NAMES[data.len() % NAMES.len()];
    let path = scratch_file(name, data);
    let opts = SourceOptions {
        max_decompressed: 4 << 20,
        ..SourceOptions::default()
    };
    let mut sink = CheckingSink::new(name);
    read_file(&path, name, &opts, &mut sink);
    sink.finish();
});
