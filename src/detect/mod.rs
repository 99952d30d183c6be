//! Detect stage: finds candidate values in a [`Segment`] and validates them.
//!
//! Detectors are data (TOML files under `detectors/`, embedded at build
//! time, plus `--detectors DIR`); validators are Rust functions they name.
//!
//! The built-in extractors share one pass over the bytes: it stops only at
//! ASCII digits and `@`, looks at each digit run once, and decides from a
//! few neighbouring bytes which extractors could want it (a `+` or `8`
//! before a phone, `KZ` before an IBAN, a 12-digit run for IIN/BIN, a 4-digit
//! group for a spaced card). Regexes run only for user detectors that ask
//! for them. Nothing is allocated per segment except the matches pushed.

use crate::model::{Category, Confidence, Match, Segment};
use crate::position::{count_chars, count_newlines};
use std::borrow::Cow;
use std::path::Path;

mod address;

/// The next xorshift64 value: random test inputs without a dependency.
#[cfg(test)]
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}
mod calibrate;
pub mod code;
mod context;
mod dates;
mod decode_layers;
mod email;
pub mod fields;
mod fingerprint;
mod ip;
mod names;
mod phone;
mod scanner;
pub mod spec;
pub mod validate;

pub use context::FieldContext;
pub use decode_layers::{DecodeStats, DEFAULT_MAX_DECODE_DEPTH};
pub(crate) use fingerprint::{hex, random_bytes};
pub use fingerprint::{mask, FingerprintKey, KeyScope, MIN_STRONG_KEY_BYTES};
use spec::{BuiltinExtractor, Detector, Extractor};

/// Description of one loaded detector, for reports (SARIF rules, `--list-detectors`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DetectorInfo {
    pub id: String,
    pub category: Category,
    pub description: String,
}

#[derive(Debug)]
pub struct DetectError(pub String);

impl std::fmt::Display for DetectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DetectError {}

/// Which detectors each built-in extractor feeds, so the single pass knows
/// what to look for.
#[derive(Default)]
struct Plan {
    digit_run: Vec<usize>,
    /// Union of the digit-run detectors' length bits.
    digit_run_lengths: u32,
    card: Vec<usize>,
    phone: Vec<usize>,
    iban: Vec<usize>,
    email: Vec<usize>,
    ip: Vec<usize>,
    id_document: Vec<usize>,
    date: Vec<usize>,
    name: Vec<usize>,
    address: Vec<usize>,
    regex: Vec<usize>,
}

/// The set of loaded detectors. Cheap to share between threads (`&Engine`).
pub struct Engine {
    detectors: Vec<Detector>,
    infos: Vec<DetectorInfo>,
    plan: Plan,
    context: context::ContextIndex,
    /// Every detector's supporting words (`[context] support`).
    support: context::ContextIndex,
    /// Encodings undone one inside another at most (`--max-decode-depth`).
    max_decode_depth: u32,
}

impl Engine {
    /// The built-in detectors only.
    pub fn builtin() -> Result<Engine, DetectError> {
        Engine::from_detectors(builtin_detectors()?)
    }

    /// Built-ins plus the `*.toml` detectors in `dir` (`--detectors DIR`).
    pub fn with_user_dir(dir: &Path) -> Result<Engine, DetectError> {
        let mut detectors = builtin_detectors()?;
        let entries = std::fs::read_dir(dir).map_err(|e| {
            DetectError(format!(
                "cannot read detector directory {}: {e}",
                dir.display()
            ))
        })?;
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        files.sort();
        for path in files {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| DetectError(format!("{name}: cannot read: {e}")))?;
            detectors.push(spec::parse(&name, &text)?);
        }
        Engine::from_detectors(detectors)
    }

    /// An engine from detector files given as `(name, toml)` pairs only,
    /// without the built-ins: for tests and embedding.
    pub fn from_toml(files: &[(&str, &str)]) -> Result<Engine, DetectError> {
        let detectors = files
            .iter()
            .map(|(name, text)| spec::parse(name, text))
            .collect::<Result<Vec<_>, _>>()?;
        Engine::from_detectors(detectors)
    }

    fn from_detectors(detectors: Vec<Detector>) -> Result<Engine, DetectError> {
        for (i, d) in detectors.iter().enumerate() {
            if let Some(first) = detectors[..i].iter().find(|o| o.id == d.id) {
                return Err(DetectError(format!(
                    "{}: detector id {:?} is already defined by {}",
                    d.source, d.id, first.source
                )));
            }
        }
        let mut plan = Plan::default();
        for (i, d) in detectors.iter().enumerate() {
            match &d.extractor {
                Extractor::Builtin(BuiltinExtractor::DigitRun) => {
                    plan.digit_run.push(i);
                    plan.digit_run_lengths |= d.lengths;
                }
                Extractor::Builtin(BuiltinExtractor::CardNumber) => plan.card.push(i),
                Extractor::Builtin(BuiltinExtractor::PhoneNumber) => plan.phone.push(i),
                Extractor::Builtin(BuiltinExtractor::KzIban) => plan.iban.push(i),
                Extractor::Builtin(BuiltinExtractor::Email) => plan.email.push(i),
                Extractor::Builtin(BuiltinExtractor::IpAddress) => plan.ip.push(i),
                Extractor::Builtin(BuiltinExtractor::IdDocument) => plan.id_document.push(i),
                Extractor::Builtin(BuiltinExtractor::Date) => plan.date.push(i),
                Extractor::Builtin(BuiltinExtractor::PersonName) => plan.name.push(i),
                Extractor::Builtin(BuiltinExtractor::Address) => plan.address.push(i),
                Extractor::Regex { .. } => plan.regex.push(i),
            }
        }
        let words: Vec<Vec<String>> = detectors.iter().map(|d| d.keywords.clone()).collect();
        let context = context::ContextIndex::build(&words)
            .map_err(|e| DetectError(format!("context keywords: {e}")))?;
        let support_words: Vec<Vec<String>> = detectors.iter().map(|d| d.support.clone()).collect();
        let support = context::ContextIndex::build_seldom(&support_words)
            .map_err(|e| DetectError(format!("support words: {e}")))?;
        let infos = detectors
            .iter()
            .map(|d| DetectorInfo {
                id: d.id.to_string(),
                category: d.category,
                description: d.description.clone(),
            })
            .collect();
        Ok(Engine {
            detectors,
            infos,
            plan,
            context,
            support,
            max_decode_depth: DEFAULT_MAX_DECODE_DEPTH,
        })
    }

    /// How many encodings (base64, JWT, hex, entities, escapes,
    /// quoted-printable) are undone one inside another; 0 turns decoding off.
    pub fn set_max_decode_depth(&mut self, depth: u32) {
        self.max_decode_depth = depth;
    }

    pub fn max_decode_depth(&self) -> u32 {
        self.max_decode_depth
    }

    pub fn detectors(&self) -> &[DetectorInfo] {
        &self.infos
    }

    /// Appends every match that *starts* inside `seg.report` to `out`, in
    /// order, one per span (where detectors overlap, the strongest wins).
    pub fn scan(&self, seg: &Segment<'_>, out: &mut Vec<Match>) {
        let mut stats = DecodeStats::default();
        self.scan_noting(seg, None, out, &mut stats);
    }

    /// [`Engine::scan`] or [`Engine::scan_fields`] (with `context_at`), also
    /// counting in `stats` where decoding stopped at its depth or cost bound.
    pub fn scan_noting(
        &self,
        seg: &Segment<'_>,
        context_at: Option<&dyn Fn(usize) -> FieldContext>,
        out: &mut Vec<Match>,
        stats: &mut DecodeStats,
    ) {
        let mut st = decode_layers::State::new(self.max_decode_depth, seg.text.len(), stats);
        self.scan_inner(seg, context_at, out, &mut st);
    }

    /// Like [`Engine::scan`], for text that holds the values of several
    /// fields (a row of a dump, a batch of rows): `context_at(offset)` is
    /// the [`Engine::field_context`] of the field the value at `offset`
    /// lies in, so a column's name raises its values' confidence as
    /// `seg.field` does for a single field. When given, it is also the
    /// answer for `seg.field`.
    pub fn scan_fields(
        &self,
        seg: &Segment<'_>,
        context_at: &dyn Fn(usize) -> FieldContext,
        out: &mut Vec<Match>,
    ) {
        let mut stats = DecodeStats::default();
        self.scan_noting(seg, Some(context_at), out, &mut stats);
    }

    /// `text` with every value found in it replaced by its mask: for file
    /// names and messages, which reports show although they are not the
    /// content scanned (`exports/850315300128_резюме.pdf`).
    pub fn mask_values_in<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut matches = Vec::new();
        self.scan(&Segment::whole(text, 1, None), &mut matches);
        if matches.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut masked = String::with_capacity(text.len());
        let mut at = 0;
        // `scan` gives them in order, overlaps resolved; a slip there must
        // cost a mask, not a panic.
        for m in &matches {
            if m.start < at {
                continue;
            }
            masked.push_str(&text[at..m.start]);
            masked.push_str(&mask(m.category, &m.normalized));
            at = m.end;
        }
        masked.push_str(&text[at..]);
        Cow::Owned(masked)
    }

    /// The detectors whose context keywords `name` mentions.
    pub fn field_context(&self, name: &str) -> FieldContext {
        self.context.mentioned_by(name)
    }

    fn scan_inner(
        &self,
        seg: &Segment<'_>,
        context_at: Option<&dyn Fn(usize) -> FieldContext>,
        out: &mut Vec<Match>,
        st: &mut decode_layers::State<'_>,
    ) {
        let base = out.len();
        let text = seg.text;
        let report = seg.report.start.min(text.len())..seg.report.end.min(text.len());
        if report.is_empty() {
            return;
        }
        // Look a little before the reported range, so a value that began in
        // the previous segment is seen whole (and its digits are not taken
        // for a value of their own), and far enough past it for an e-mail
        // whose `@` lies beyond the end.
        let from = floor_char_boundary(text, report.start.saturating_sub(LOOKBACK));
        let to = (report.end + LOOKAHEAD).min(text.len());
        let mut sc = scanner::Scanner::new(self, text, seg.field, context_at, out);
        if st.wants_runs() {
            sc.note_encoded_runs();
        }
        sc.run(from, to);
        // The Cyrillic name pass and addresses look only at Cyrillic text,
        // and most segments of a source tree have no byte beyond ASCII.
        let ascii = text.as_bytes()[from..to].is_ascii();
        sc.names(from, to, ascii);
        if !ascii {
            sc.addresses(from, to);
        }
        for &i in &self.plan.regex {
            sc.regex(i, from, to);
        }
        sc.calibrate();
        let encoded_runs = sc.take_encoded_runs();
        // Values behind one more layer: decoded in place (entities,
        // escapes, quoted-printable) they take part in the overlap rule
        // below; decoded from a run (base64, JWT, hex), all of a run's
        // values share its span and come back in `runs`.
        let runs = decode_layers::scan(
            self,
            text,
            report.clone(),
            from..to,
            encoded_runs,
            seg.field,
            context_at,
            out,
            st,
        );
        self.resolve_overlaps(out, base);
        if !runs.is_empty() {
            out.extend(runs);
            out[base..].sort_by_key(|m| m.start);
        }
        // Keep what starts inside the report range.
        let mut w = base;
        for r in base..out.len() {
            if report.contains(&out[r].start) {
                out.swap(w, r);
                w += 1;
            }
        }
        out.truncate(w);
        fill_positions(text, seg.first_line, &mut out[base..]);
    }

    fn detector_of(&self, m: &Match) -> Option<&Detector> {
        // Ids are interned (see `spec::intern`): the pointer is the identity.
        self.detectors
            .iter()
            .find(|d| d.id.as_ptr() == m.detector.as_ptr())
    }

    fn strength(&self, m: &Match) -> (i32, Confidence, usize) {
        let priority = self.detector_of(m).map_or(0, |d| d.priority);
        (priority, m.confidence, m.end - m.start)
    }

    /// One span, one finding: sorts `out[base..]` by start and, where
    /// matches overlap, keeps the stronger (priority, then confidence, then
    /// length; the earlier detector on a tie).
    fn resolve_overlaps(&self, out: &mut Vec<Match>, base: usize) {
        if out.len() - base < 2 {
            return;
        }
        out[base..].sort_by_key(|m| m.start);
        let mut w = base;
        for r in base..out.len() {
            let mut keep = true;
            while w > base && out[w - 1].end > out[r].start {
                if self.strength(&out[r]) > self.strength(&out[w - 1]) {
                    w -= 1;
                } else {
                    keep = false;
                    break;
                }
            }
            if keep {
                out.swap(w, r);
                w += 1;
            }
        }
        out.truncate(w);
    }

    /// The category a column, header or key name suggests (`ИИН`, `phone`,
    /// `e-mail`, `fio` …), if any.
    pub fn field_category(&self, name: &str) -> Option<Category> {
        fields::category_for_name(name)
    }
}

const LOOKBACK: usize = 32;
const LOOKAHEAD: usize = 80;

fn builtin_detectors() -> Result<Vec<Detector>, DetectError> {
    spec::BUILTIN
        .iter()
        .map(|(name, text)| spec::parse(name, text))
        .collect()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Fills `line` and `column` of matches sorted by start, counting newlines
/// and characters only once over the text they span: a 1 MiB segment with
/// thousands of matches costs one pass, not one per match.
fn fill_positions(text: &str, first_line: u64, matches: &mut [Match]) {
    let b = text.as_bytes();
    let mut pos = 0; // counted up to here
    let mut line = first_line;
    let mut col_chars = 0u64; // characters between the line start and `pos`
    for m in matches {
        let gap = &b[pos..m.start];
        if gap.len() < 512 {
            // Matches are often a few dozen bytes apart: one plain loop
            // beats setting up vector searches for such short gaps.
            for &c in gap {
                if c == b'\n' {
                    line += 1;
                    col_chars = 0;
                } else if (c as i8) >= -0x40 {
                    col_chars += 1;
                }
            }
        } else {
            match memchr::memrchr(b'\n', gap) {
                Some(last) => {
                    line += count_newlines(gap);
                    col_chars = count_chars(&gap[last + 1..]);
                }
                None => col_chars += count_chars(gap),
            }
        }
        pos = m.start;
        m.line = line;
        m.column = col_chars + 1;
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod declared_tests;
