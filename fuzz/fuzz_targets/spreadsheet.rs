//! Spreadsheets (issue 12): xlsx/xlsm/xlsb/ods zips and xls OLE files read
//! through `source::read_file`, found by content, so any name may carry any
//! bytes. Checks the sink contract, cell batches and masks like the others.
#![no_main]
use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 4] = ["fuzz.xlsx", "fuzz.xls", "fuzz.ods", "fuzz.xlsb"];

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    tizim_fuzz::read_as_file(tizim_fuzz::pick(&NAMES, data), data);
});
