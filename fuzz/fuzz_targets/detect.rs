//! The detector engine on arbitrary text. Checks, for every match:
//! - it starts inside `report`, and `start < end` on character boundaries;
//! - its line is `first_line` plus the newlines before it;
//! - its mask keeps too few digits to re-identify anyone;
//! and, for the whole segment: splitting `report` in two (same text, same
//! context) yields exactly the matches of the whole, so a value near a
//! chunk boundary is reported once, never twice or not at all. Only the
//! confidence of a value lowered for its pass's chance rate may differ:
//! that calibration is by design a statistic of one scan pass
//! (`src/detect/calibrate.rs`), and a split makes two passes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tizim::detect::mask;
use tizim::model::{Lowered, Match, Segment};
use tizim_fuzz::{check_mask, engine, fingerprinter};

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn scan(seg: &Segment<'_>) -> Vec<Match> {
    let mut out = Vec::new();
    engine().scan(seg, &mut out);
    for m in &out {
        let text = seg.text;
        assert!(m.start < m.end && m.end <= text.len(), "bad span {m:?}");
        assert!(
            text.is_char_boundary(m.start) && text.is_char_boundary(m.end),
            "span splits a character: {m:?}"
        );
        assert!(
            seg.report.contains(&m.start),
            "match at {} outside report {:?}",
            m.start,
            seg.report
        );
        let newlines = text.as_bytes()[..m.start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        assert_eq!(
            m.line,
            seg.first_line + newlines as u64,
            "wrong line for {m:?}"
        );
        assert!(m.column >= 1, "column 0: {m:?}");
        assert!(!m.normalized.is_empty(), "empty normalized value: {m:?}");
        check_mask(m.category, &m.normalized, &mask(m.category, &m.normalized));
        let fp = fingerprinter().fingerprint(m.category, &m.normalized);
        assert!(fp.len() >= 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    out.sort_by(|a, b| (a.start, a.end, a.detector).cmp(&(b.start, b.end, b.detector)));
    out
}

fuzz_target!(init: tizim_fuzz::warm_up(), |data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let (head, body) = data.split_at(3);
    let text = String::from_utf8_lossy(body);
    let text = text.as_ref();
    let first_line = 1 + u64::from(head[0]);
    // Context on both sides of the reported part, as a chunker leaves it.
    let lo = floor_boundary(text, usize::from(head[1]) * text.len() / 512);
    let hi = floor_boundary(text, text.len() - usize::from(head[2]) * text.len() / 512).max(lo);
    let split = floor_boundary(text, lo + (hi - lo) / 2).max(lo);

    let whole = scan(&Segment {
        text,
        report: lo..hi,
        first_line,
        first_column: 1,
        field: None,
    });
    let mut parts = scan(&Segment {
        text,
        report: lo..split,
        first_line,
        first_column: 1,
        field: None,
    });
    parts.extend(scan(&Segment {
        text,
        report: split..hi,
        first_line,
        first_column: 1,
        field: None,
    }));
    parts.sort_by(|a, b| (a.start, a.end, a.detector).cmp(&(b.start, b.end, b.detector)));
    let calibrated = |m: &Match| m.lowered == Some(Lowered::ChanceRate);
    let comparable = |whole: &Match, part: &Match| {
        if calibrated(whole) || calibrated(part) {
            // Same value, same place; only the pass statistic may differ.
            let mut part = part.clone();
            part.confidence = whole.confidence;
            part.lowered = whole.lowered;
            *whole == part
        } else {
            whole == part
        }
    };
    assert!(
        whole.len() == parts.len() && whole.iter().zip(&parts).all(|(w, p)| comparable(w, p)),
        "splitting the report range changed the matches\nwhole: {whole:?}\nparts: {parts:?}"
    );
});
