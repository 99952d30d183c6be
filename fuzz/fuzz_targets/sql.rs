//! SQL dumps (pg_dump, mysqldump, sqlite .dump): the parser must survive
//! any text, never give up on it, and keep the sink contract.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::source::structured::StructuredKind;

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| tizim_fuzz::structured(StructuredKind::Sql, "fuzz.sql", data));
