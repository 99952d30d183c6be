//! JSON and NDJSON: every string and number gets its dotted key path as
//! field (`user.contacts.phone`, arrays as `items[].iin`).
//!
//! The tokenizer is hand-written and streaming on purpose. `serde_json`
//! parses a whole value before handing it over (its `StreamDeserializer`
//! yields top-level values, so a 200 MB minified document is one 200 MB
//! value in memory, and byte positions are lost). Here only the current
//! token and the key path are kept, so memory is bounded by the longest
//! single string ([`MAX_TOKEN`]) and the nesting depth ([`MAX_DEPTH`]).
//! `serde_json` still decodes the rare strings with `\u` escapes.

use super::{fall_back, presentable_name, Batch, Window, MAX_TOKEN};
use crate::model::Notice;
use crate::source::SourceSink;
use std::collections::HashMap;
use std::io::{self, BufRead};

/// Deeper nesting than this is not a data export; the rest is read as text.
const MAX_DEPTH: usize = 512;
/// Distinct key paths remembered per file (each is announced once with
/// `sink.field`); past this, new paths are still attributed, not announced.
const MAX_PATHS: usize = 50_000;

/// Whether text starts like a JSON object or array of objects/strings.
pub(super) fn looks_like_json(head: &str) -> bool {
    let mut chars = head.trim_start().chars();
    let first = chars.next();
    let second = chars.find(|c| !c.is_whitespace());
    matches!(
        (first, second),
        (Some('{'), Some('"' | '}')) | (Some('['), Some('{' | '"' | '[' | ']'))
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (top level, after `:` or after `,` in an array).
    Value,
    /// First element of an array, or `]`.
    ValueOrEnd,
    /// First key of an object, or `}`.
    KeyOrEnd,
    Key,
    Colon,
    CommaOrEnd,
}

#[derive(Debug)]
struct Frame {
    array: bool,
    /// Path id of the container itself.
    own: u32,
    expect: Expect,
    /// Path id of the value at the current position (the last key's, or the
    /// array's elements').
    field: u32,
    /// Keys read so far in this object.
    keys: u32,
}

enum Step {
    Continue,
    NeedMore,
    /// The input is not JSON from this offset on.
    Error(usize),
}

/// The top level: values there have no path.
const ROOT: u32 = 0;
/// Key caches per depth and position are kept this far (bounded memory).
const SHAPE_DEPTH: usize = 64;
const SHAPE_KEYS: u32 = 128;
const SHAPE_KEY_BYTES: usize = 64;

/// Key paths as a tree of ids. A path is announced with `sink.field` when
/// it first holds a string or number (not for containers: `phone` holding
/// `{"number": …}` is not itself a phone column).
struct Paths {
    names: Vec<String>,
    announced: Vec<bool>,
    children: Vec<HashMap<Box<str>, u32>>,
    /// Batch index of each path, valid for the generation stored with it.
    batch: Vec<(u64, u32)>,
    /// The last raw key seen at each depth and position, its parent and id:
    /// objects in an array repeat their keys, so this saves decoding and
    /// hashing them again.
    shapes: Vec<Vec<(u32, Vec<u8>, u32)>>,
}

impl Paths {
    fn new() -> Self {
        Paths {
            names: vec![String::new()],
            announced: vec![true],
            children: vec![HashMap::new()],
            batch: vec![(u64::MAX, 0)],
            shapes: Vec::new(),
        }
    }

    /// The id of `parent` + `component` (`[]` for array elements).
    fn child(&mut self, parent: u32, component: &str) -> u32 {
        if let Some(&id) = self.children[parent as usize].get(component) {
            return id;
        }
        if self.names.len() >= MAX_PATHS && component != "*" {
            // A file with this many distinct keys uses keys as data (ids,
            // names): further new keys are all `*`.
            return self.child(parent, "*");
        }
        if self.names.len() >= 2 * MAX_PATHS {
            return parent;
        }
        let name = match (self.names[parent as usize].as_str(), component) {
            ("", c) => c.to_string(),
            (p, "[]") => format!("{p}[]"),
            (p, c) => format!("{p}.{c}"),
        };
        let id = self.names.len() as u32;
        self.names.push(name);
        self.announced.push(false);
        self.children.push(HashMap::new());
        self.batch.push((u64::MAX, 0));
        self.children[parent as usize].insert(component.into(), id);
        id
    }

    /// The id of the key whose string (quotes included) is `quoted`, the
    /// `index`th key of an object at `depth` whose own id is `parent`.
    fn key(&mut self, depth: usize, index: u32, parent: u32, quoted: &[u8]) -> u32 {
        let raw = &quoted[1..quoted.len() - 1];
        let cacheable = depth < SHAPE_DEPTH && index < SHAPE_KEYS && raw.len() <= SHAPE_KEY_BYTES;
        if cacheable {
            if let Some((p, k, id)) = self.shapes.get(depth).and_then(|s| s.get(index as usize)) {
                if *p == parent && k.as_slice() == raw {
                    return *id;
                }
            }
        }
        let decoded = if raw.contains(&b'\\') {
            serde_json::from_slice::<String>(quoted).unwrap_or_default()
        } else {
            String::from_utf8_lossy(raw).into_owned()
        };
        let id = self.child(parent, presentable_name(&decoded).unwrap_or("*"));
        if cacheable {
            if self.shapes.len() <= depth {
                self.shapes.resize_with(depth + 1, Vec::new);
            }
            let slots = &mut self.shapes[depth];
            if slots.len() <= index as usize {
                slots.resize_with(index as usize + 1, || (u32::MAX, Vec::new(), 0));
            }
            let slot = &mut slots[index as usize];
            slot.0 = parent;
            slot.1.clear();
            slot.1.extend_from_slice(raw);
            slot.2 = id;
        }
        id
    }

    /// The batch-local index of path `id`, which holds a value on `line`.
    fn batch_index(
        &mut self,
        id: u32,
        line: u64,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> u32 {
        if !self.announced[id as usize] {
            self.announced[id as usize] = true;
            sink.field(&self.names[id as usize], line);
        }
        let slot = &mut self.batch[id as usize];
        if slot.0 != batch.generation {
            *slot = (batch.generation, batch.field(&self.names[id as usize]));
        }
        slot.1
    }
}

pub(super) fn scan(reader: &mut dyn BufRead, sink: &mut dyn SourceSink) -> io::Result<()> {
    let mut win = Window::new(reader);
    win.fill_to(64 << 10)?;
    if win.buf.starts_with("\u{feff}".as_bytes()) {
        win.buf.drain(..3);
    }
    let mut batch = Batch::default();
    let mut parser = Parser {
        pos: 0,
        line: 1,
        stack: Vec::new(),
        top: Expect::Value,
        top_line: 1,
        paths: Paths::new(),
        bad_lines: 0,
        first_bad_line: 0,
    };
    let outcome = parser.run(&mut win, &mut batch, sink)?;
    if parser.bad_lines > 0 {
        let (n, first) = (parser.bad_lines, parser.first_bad_line);
        sink.structured_fallback(Notice {
            path: String::new(),
            line: Some(first),
            reason: None,
            message: format!(
                "{n} line(s) were not valid JSON (the first at line {first}); they were scanned as plain text"
            ),
        });
    }
    match outcome {
        None => Ok(()),
        Some((at, what)) => fall_back(win, &mut batch, at, sink, &what),
    }
}

struct Parser {
    pos: usize,
    /// Physical line of `pos`. JSON strings hold no raw newlines, so only
    /// blanks between tokens move it.
    line: u64,
    stack: Vec<Frame>,
    /// What the top level expects (a value; NDJSON has many).
    top: Expect,
    /// Line where the current top-level value started.
    top_line: u64,
    paths: Paths,
    bad_lines: u64,
    first_bad_line: u64,
}

impl Parser {
    fn run(
        &mut self,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> io::Result<Option<(usize, String)>> {
        loop {
            match self.step(win, batch, sink) {
                Step::Continue => {}
                Step::NeedMore => {
                    if win.eof {
                        return Ok(self.finish(win, batch, sink));
                    }
                    // Send what is parsed before reading on, so the buffer
                    // holds little more than the token being read.
                    if self.pos > 0 {
                        self.flush(self.pos, win, batch, sink);
                    }
                    if win.buf.len() > MAX_TOKEN {
                        let line = self.line;
                        return Ok(Some((
                            0,
                            format!(
                                "a JSON string from line {line} is longer than {} MiB",
                                MAX_TOKEN >> 20
                            ),
                        )));
                    }
                    win.fill()?;
                }
                Step::Error(at) => {
                    let line = self.line;
                    let ndjson = self.stack.is_empty() || self.top_line == line;
                    if !ndjson {
                        return Ok(Some((
                            at,
                            format!("the JSON document stops being valid JSON at line {line}"),
                        )));
                    }
                    // One bad NDJSON line: its text goes out unattributed
                    // with the batch; parsing resumes on the next line.
                    self.bad_lines += 1;
                    if self.first_bad_line == 0 {
                        self.first_bad_line = line;
                    }
                    self.stack.clear();
                    self.top = Expect::Value;
                    self.pos = at;
                    loop {
                        match memchr::memchr(b'\n', &win.buf[self.pos..]) {
                            Some(i) => {
                                self.pos += i + 1;
                                self.line += 1;
                                break;
                            }
                            None if win.eof => {
                                self.pos = win.buf.len();
                                break;
                            }
                            None => {
                                // A long bad line streams out as it is read.
                                // `pos` is still at the error, before `cut`:
                                // move it there first, or flush's `pos -= cut`
                                // underflows (a one-line document nested past
                                // MAX_DEPTH panicked here).
                                let cut = char_boundary(&win.buf, win.buf.len());
                                self.pos = cut;
                                self.flush(cut, win, batch, sink);
                                self.pos = win.buf.len();
                                win.fill()?;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Input is over: send the rest, and say so if a value was cut short.
    fn finish(
        &mut self,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> Option<(usize, String)> {
        let rest_is_blank = win.buf[self.pos..].iter().all(u8::is_ascii_whitespace);
        if self.stack.is_empty() && rest_is_blank {
            let end = win.buf.len();
            self.flush(end, win, batch, sink);
            return None;
        }
        let line = self.line;
        Some((
            self.pos,
            format!("the JSON ends inside a value at line {line} (truncated?)"),
        ))
    }

    fn flush(
        &mut self,
        n: usize,
        win: &mut Window<'_>,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) {
        batch.flush(win, n, sink);
        self.pos -= n;
    }

    /// A value is complete: the container now wants `,` or its end.
    fn value_done(&mut self) {
        if let Some(f) = self.stack.last_mut() {
            f.expect = Expect::CommaOrEnd;
        }
    }

    /// Path id of the value about to be read.
    fn value_path(&self) -> u32 {
        self.stack.last().map_or(ROOT, |f| f.field)
    }

    /// A scalar's field in the batch, or `None` at the top level.
    fn value_field(
        &mut self,
        line: u64,
        batch: &mut Batch,
        sink: &mut dyn SourceSink,
    ) -> Option<u32> {
        let id = self.value_path();
        (id != ROOT).then(|| self.paths.batch_index(id, line, batch, sink))
    }

    /// Reads one token at `pos`.
    fn step(&mut self, win: &mut Window<'_>, batch: &mut Batch, sink: &mut dyn SourceSink) -> Step {
        let buf = &win.buf;
        while let Some(&b) = buf.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\r' => {}
                b'\n' => self.line += 1,
                _ => break,
            }
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&c) = buf.get(start) else {
            return Step::NeedMore;
        };
        let expect = self.stack.last().map_or(self.top, |f| f.expect);
        if self.stack.is_empty() {
            self.top_line = self.line;
        }
        let line = self.line;
        match (expect, c) {
            (Expect::Value | Expect::ValueOrEnd, b'{' | b'[') => {
                if self.stack.len() >= MAX_DEPTH {
                    return Step::Error(start);
                }
                let own = self.value_path();
                let (array, field, expect) = if c == b'[' {
                    (true, self.paths.child(own, "[]"), Expect::ValueOrEnd)
                } else {
                    (false, own, Expect::KeyOrEnd)
                };
                self.stack.push(Frame {
                    array,
                    own,
                    expect,
                    field,
                    keys: 0,
                });
                self.pos += 1;
            }
            (Expect::CommaOrEnd | Expect::KeyOrEnd | Expect::ValueOrEnd, b'}' | b']') => {
                match self.stack.last() {
                    Some(frame) if frame.array == (c == b']') => {}
                    _ => return Step::Error(start),
                }
                self.stack.pop();
                self.pos += 1;
                self.value_done();
            }
            (Expect::CommaOrEnd, b',') => {
                if let Some(f) = self.stack.last_mut() {
                    f.expect = if f.array { Expect::Value } else { Expect::Key };
                }
                self.pos += 1;
            }
            (Expect::Colon, b':') => {
                if let Some(f) = self.stack.last_mut() {
                    f.expect = Expect::Value;
                }
                self.pos += 1;
            }
            (Expect::Key | Expect::KeyOrEnd, b'"') => {
                let end = match string_end(buf, start, win.eof) {
                    Ok(Some((end, _))) => end,
                    Ok(None) => return Step::NeedMore,
                    Err(at) => return Step::Error(at),
                };
                let depth = self.stack.len();
                let Some(frame) = self.stack.last_mut() else {
                    return Step::Error(start);
                };
                let id = self
                    .paths
                    .key(depth, frame.keys, frame.own, &buf[start..end]);
                frame.keys += 1;
                frame.field = id;
                frame.expect = Expect::Colon;
                self.pos = end;
            }
            (Expect::Value | Expect::ValueOrEnd, b'"') => {
                let (end, escapes) = match string_end(buf, start, win.eof) {
                    Ok(Some(found)) => found,
                    Ok(None) => return Step::NeedMore,
                    Err(at) => return Step::Error(at),
                };
                if let Some(field) = self.value_field(line, batch, sink) {
                    let inner = start + 1..end - 1;
                    match escapes {
                        Escapes::None => batch.push(inner, field, line),
                        Escapes::Simple => {
                            blank_escapes(&mut win.buf[inner.clone()]);
                            batch.push(inner, field, line);
                        }
                        Escapes::Unicode => {
                            match serde_json::from_slice::<String>(&win.buf[start..end]) {
                                Ok(decoded) => {
                                    batch.push_decoded(&mut win.buf, inner, &decoded, field, line)
                                }
                                Err(_) => {
                                    blank_escapes(&mut win.buf[inner.clone()]);
                                    batch.push(inner, field, line);
                                }
                            }
                        }
                    }
                }
                self.pos = end;
                self.value_done();
            }
            (Expect::Value | Expect::ValueOrEnd, b'-' | b'0'..=b'9') => {
                let mut end = start + 1;
                while end < buf.len()
                    && matches!(buf[end], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                {
                    end += 1;
                }
                if end == buf.len() && !win.eof {
                    return Step::NeedMore;
                }
                if let Some(field) = self.value_field(line, batch, sink) {
                    batch.push(start..end, field, line);
                }
                self.pos = end;
                self.value_done();
            }
            (Expect::Value | Expect::ValueOrEnd, b't' | b'f' | b'n') => {
                let word: &[u8] = match c {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                let have = &buf[start..buf.len().min(start + word.len())];
                if !word.starts_with(have) {
                    return Step::Error(start);
                }
                if have.len() < word.len() {
                    return if win.eof {
                        Step::Error(start)
                    } else {
                        Step::NeedMore
                    };
                }
                self.pos = start + word.len();
                self.value_done();
            }
            _ => return Step::Error(start),
        }
        Step::Continue
    }
}

/// The largest `n' <= n` that does not split a UTF-8 character.
fn char_boundary(buf: &[u8], mut n: usize) -> usize {
    while n > 0 && n < buf.len() && (buf[n] as i8) < -0x40 {
        n -= 1;
    }
    n
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escapes {
    None,
    /// Two-byte escapes only (`\n`, `\"`): blanked in place.
    Simple,
    /// `\uXXXX`: the string is decoded.
    Unicode,
}

/// The end (past the closing quote) of the string opening at `start`, and
/// what escapes it holds. `Ok(None)`: it may continue past the buffer.
/// `Err(at)`: it does not close on its own line, which JSON forbids.
fn string_end(buf: &[u8], start: usize, eof: bool) -> Result<Option<(usize, Escapes)>, usize> {
    let mut escapes = Escapes::None;
    let mut i = start + 1;
    loop {
        let Some(off) = memchr::memchr3(b'"', b'\\', b'\n', &buf[i..]) else {
            return if eof { Err(start) } else { Ok(None) };
        };
        i += off;
        match buf[i] {
            b'"' => return Ok(Some((i + 1, escapes))),
            b'\n' => return Err(start),
            _ => match buf.get(i + 1) {
                None if eof => return Err(start),
                None => return Ok(None),
                // A backslash before a line break is no JSON escape. Taken
                // as one, blanking it removed the line break from the text
                // and every later finding got a line number one too small.
                Some(b'\n') => return Err(start),
                Some(b'u') => {
                    escapes = Escapes::Unicode;
                    i += 2;
                }
                Some(_) => {
                    if escapes == Escapes::None {
                        escapes = Escapes::Simple;
                    }
                    i += 2;
                }
            },
        }
    }
}

/// Overwrites `\n`, `\\` … with two spaces; `\"` becomes `""`, so a
/// quoted word keeps its shape.
fn blank_escapes(s: &mut [u8]) {
    let mut i = 0;
    while i + 1 < s.len() {
        if s[i] == b'\\' {
            if s[i + 1] == b'"' {
                s[i] = b'"';
            } else {
                s[i] = b' ';
                s[i + 1] = b' ';
            }
            i += 2;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::Recorder;
    use super::super::StructuredKind;

    fn run(input: &str) -> Recorder {
        Recorder::run(StructuredKind::Json, input)
    }

    fn field_of<'a>(r: &'a Recorder, text: &str) -> &'a str {
        r.value(text).field.as_deref().unwrap_or("")
    }

    #[test]
    fn nested_keys_and_arrays_make_dotted_paths() {
        let r = run(
            r#"{"user":{"contacts":{"phone":"+77012345678","emails":["a@b.kz"]}},"items":[{"iin":850315300128},{"iin":"050722600456"}],"ok":true,"n":null}"#,
        );
        assert_eq!(field_of(&r, "+77012345678"), "user.contacts.phone");
        assert_eq!(field_of(&r, "a@b.kz"), "user.contacts.emails[]");
        assert_eq!(field_of(&r, "850315300128"), "items[].iin");
        assert_eq!(field_of(&r, "050722600456"), "items[].iin");
        assert_eq!(r.values.len(), 4);
        let declared: Vec<&str> = r.fields.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            declared,
            [
                "user.contacts.phone",
                "user.contacts.emails[]",
                "items[].iin"
            ]
        );
        assert_eq!(r.value("050722600456").column, 105);
        assert_eq!(r.fallbacks, 0);
    }

    #[test]
    fn ndjson_lines_and_a_top_level_array() {
        let r = run("{\"email\":\"a@b.kz\"}\n{\"email\":\"c@d.kz\",\"tags\":[[\"x\"]]}\n");
        assert_eq!(r.value("c@d.kz").line, 2);
        assert_eq!(r.value("c@d.kz").column, 11);
        assert_eq!(field_of(&r, "x"), "tags[][]");
        let r = run("[{\"iin\":\"850315300128\"}]");
        assert_eq!(field_of(&r, "850315300128"), "[].iin");
    }

    #[test]
    fn escapes_are_blanked_and_unicode_is_decoded() {
        let r = run(
            r#"{"note":"тел:\n87012345678","fio":"\u0418\u0432\u0430\u043d\u043e\u0432 \u0418\u0432\u0430\u043d","k\u0065y":"v"}"#,
        );
        assert_eq!(r.value("тел:  87012345678").field.as_deref(), Some("note"));
        assert_eq!(r.value("Иванов Иван").field.as_deref(), Some("fio"));
        assert!(!r.plain.contains("0418"));
        assert_eq!(field_of(&r, "v"), "key");
    }

    #[test]
    fn keys_that_look_like_values_are_not_shown() {
        let r = run(r#"{"by_email":{"ivan@mail.kz":{"phone":"+77012345678"}}}"#);
        assert_eq!(field_of(&r, "+77012345678"), "by_email.*.phone");
        assert!(r.plain.contains("ivan@mail.kz"));
    }

    #[test]
    fn a_bad_ndjson_line_is_scanned_as_text_and_parsing_resumes() {
        let r = run("{\"email\":\"a@b.kz\"}\nnot json c@d.kz\n{\"email\":\"unterminated e@f.kz}\n{\"email\":\"g@h.kz\"}\n");
        assert_eq!(field_of(&r, "a@b.kz"), "email");
        assert_eq!(field_of(&r, "g@h.kz"), "email");
        assert_eq!(r.value("g@h.kz").line, 4);
        assert!(r.plain.contains("not json c@d.kz"));
        assert!(r.plain.contains("unterminated e@f.kz"));
        assert_eq!(r.fallbacks, 1);
        assert_eq!(r.notices[0].line, Some(2));
        assert!(r.notices[0].message.starts_with("2 line(s)"));
    }

    #[test]
    fn a_broken_document_falls_back_for_the_rest() {
        let r = run("{\n  \"a\": \"x@y.kz\",\n  \"b\": oops \"c@d.kz\"\n}\n");
        assert_eq!(field_of(&r, "x@y.kz"), "a");
        assert_eq!(r.fallbacks, 1);
        assert_eq!(r.notices[0].line, Some(3));
        assert!(r.plain.contains("oops \"c@d.kz\""));
    }

    #[test]
    fn a_backslash_line_break_keeps_line_numbers() {
        // Found by the json fuzz target: findings after the string came a
        // line too early.
        let r = run("{\"a\":\"x\\\ny\",\n\"email\":\"g@h.kz\"}\n");
        assert!(r.plain.contains("g@h.kz"), "{:?}", r.plain);
        let ndjson = run("{\"a\":\"x\\\ny\"}\n{\"email\":\"g@h.kz\"}\n");
        assert_eq!(ndjson.value("g@h.kz").line, 3);
    }

    #[test]
    fn a_truncated_document_keeps_what_it_had() {
        let r = run("{\"a\":\"x@y.kz\",\"b\":[\"c@d.kz");
        assert_eq!(field_of(&r, "x@y.kz"), "a");
        assert!(r.plain.contains("c@d.kz"));
        assert_eq!(r.fallbacks, 1);
    }

    #[test]
    fn one_huge_line_streams_through_small_batches() {
        let mut s = String::from("[");
        for i in 0..20_000 {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!("{{\"id\":{i},\"email\":\"user{i}@mail.kz\"}}"));
        }
        s.push(']');
        let r = run(&s);
        assert!(r.batches > 10, "{}", r.batches);
        assert_eq!(r.values.len(), 40_000);
        let v = r.value("user19999@mail.kz");
        assert_eq!((v.line, v.field.as_deref()), (1, Some("[].email")));
        let expected_column = s.find("user19999@mail.kz").unwrap() as u64 + 1;
        assert_eq!(v.column, expected_column);
        assert_eq!(r.fields.len(), 2);
    }
}
