//! JSON and NDJSON: key paths, deep nesting, truncated documents.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::structured::StructuredKind;

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| tizim_fuzz::structured(StructuredKind::Json, "fuzz.json", data));
