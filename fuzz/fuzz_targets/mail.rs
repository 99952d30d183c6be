//! E-mail messages and mbox files, read the way a scan reads them
//! (`source::read_file`): headers, MIME bodies in any transfer encoding
//! and charset, attachments read as members (`mail.eml!a.csv`), nested
//! messages up to the depth limit.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    // Both kinds are recognised by content. Input starting with a letter
    // (the seeds: messages, mboxes) is taken as it is; otherwise its first
    // byte picks a prefix that makes the rest look like mail.
    const MBOX: &[u8] = b"From a@b.kz Mon Jan  1 00:00:00 2024\nFrom: a@b.kz\nTo: c@d.kz\n";
    const EML: &[u8] = b"From: a@b.kz\r\nTo: c@d.kz\r\n";
    let (prefix, rest, name): (&[u8], &[u8], &str) = match data.first() {
        Some(b) if b.is_ascii_alphabetic() => (b"", data, "fuzz.eml"),
        Some(b) if b % 2 == 0 => (MBOX, &data[1..], "fuzz.mbox"),
        _ => (EML, data.get(1..).unwrap_or_default(), "fuzz.eml"),
    };
    let mut mail = prefix.to_vec();
    mail.extend_from_slice(rest);
    tizim_fuzz::read_as_file(name, &mail);
});
