//! CSV / TSV: delimiter sniffing, quoting, header detection, ragged rows.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::structured::StructuredKind;

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| tizim_fuzz::structured(StructuredKind::Csv, "fuzz.csv", data));
