//! SQL dumps: PostgreSQL `pg_dump` plain format (CREATE TABLE, COPY … FROM
//! stdin blocks, `--inserts` / `--column-inserts`), MySQL / MariaDB
//! `mysqldump` (backticks, extended INSERTs, backslash escapes) and SQLite
//! `.dump`.
//!
//! No SQL crate fits: parsers such as `sqlparser` build a whole statement in
//! memory (a mysqldump extended INSERT is megabytes) and lose byte
//! positions. Dumps need very little of SQL — identifiers, literals,
//! parentheses and commas — so a small streaming lexer does it, in bounded
//! memory and with physical positions.

use super::{fall_back, presentable_name, Batch, Window, MAX_TOKEN};
use crate::source::SourceSink;
use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead};
use std::ops::Range;

/// Whether the start of a file without a telling extension is a SQL dump:
/// a dump tool's header, or statements from the first line on.
pub(super) fn looks_like_sql(head: &str) -> bool {
    const HEADERS: &[&str] = &[
        "-- MySQL dump",
        "-- MariaDB dump",
        "-- PostgreSQL database dump",
        "PRAGMA foreign_keys=",
        "/*!40101 SET",
    ];
    const STATEMENTS: &[&str] = &[
        "CREATE TABLE",
        "INSERT INTO",
        "COPY ",
        "DROP TABLE",
        "ALTER TABLE",
        "LOCK TABLES",
        "BEGIN TRANSACTION;",
        "SET ",
        "START TRANSACTION;",
    ];
    let mut statements = 0;
    for (i, line) in head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(60)
        .enumerate()
    {
        if HEADERS.iter().any(|h| line.starts_with(h)) {
            return true;
        }
        if line.starts_with("--") || line.starts_with("/*") {
            continue;
        }
        let is_statement = STATEMENTS.iter().any(|s| {
            line.len() >= s.len() && line.as_bytes()[..s.len()].eq_ignore_ascii_case(s.as_bytes())
        });
        if !is_statement && statements == 0 && i < 60 {
            // The first real line of a dump is a statement; a log that
            // merely mentions one is not a dump.
            return false;
        }
        statements += usize::from(is_statement);
        if statements >= 2 {
            return true;
        }
    }
    false
}

pub(super) fn scan(reader: &mut dyn BufRead, sink: &mut dyn SourceSink) -> io::Result<()> {
    let mut win = Window::new(reader);
    win.fill_to(64 << 10)?;
    if win.buf.starts_with("\u{feff}".as_bytes()) {
        // A byte-order mark is not text; drop it without moving columns.
        win.buf.drain(..3);
    }
    let head = String::from_utf8_lossy(&win.buf[..win.buf.len().min(64 << 10)]);
    let backslash = head.contains("-- MySQL dump")
        || head.contains("-- MariaDB dump")
        || head.contains("/*!40")
        || head.contains('`')
        || head.contains("standard_conforming_strings = off");
    let mut parser = Parser {
        win,
        batch: Batch::default(),
        pos: 0,
        line: 1,
        safe: 0,
        backslash,
        tables: HashMap::new(),
        declared: HashSet::new(),
        state: State::Start,
        tabs: Vec::new(),
    };
    let outcome = parser.run(sink)?;
    let Parser { win, mut batch, .. } = parser;
    match outcome {
        Outcome::Done => Ok(()),
        Outcome::GiveUp { at, what } => fall_back(win, &mut batch, at, sink, &what),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Keyword, unquoted identifier or number.
    Word,
    /// `"quoted"` or `` `quoted` `` identifier; the range is inside the quotes.
    Ident(Range<usize>),
    /// A string literal (also `E'…'`, `X'…'`, `$$…$$`); the range is inside.
    Str(Range<usize>),
    Punct(u8),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    line: u64,
}

enum Lexed {
    Token(Token),
    /// The token at `pos` may continue past the buffered input.
    NeedMore,
    /// Input ended between tokens.
    End,
    /// Input ended inside a string, identifier or comment starting at the
    /// given offset.
    Unterminated(usize),
}

enum Outcome {
    Done,
    GiveUp { at: usize, what: String },
}

/// A qualified name being read: `public.users`, `` `db`.`t` ``.
#[derive(Debug, Default)]
struct Name {
    parts: Vec<String>,
    /// Right after a `.`, or before the first part.
    open: bool,
}

impl Name {
    fn new() -> Self {
        Name {
            parts: Vec::new(),
            open: true,
        }
    }

    /// Takes `part` if the name expects one.
    fn take(&mut self, part: String) -> bool {
        if !self.open {
            return false;
        }
        self.parts.push(part);
        self.open = false;
        true
    }

    fn dot(&mut self) -> bool {
        if self.open || self.parts.is_empty() {
            return false;
        }
        self.open = true;
        true
    }

    fn joined(&self) -> String {
        self.parts.join(".")
    }
}

#[derive(Debug)]
enum CreateStep {
    Prefix,
    Name(Name),
    Body {
        table: String,
        depth: u32,
        item_start: bool,
        columns: Vec<(String, u64)>,
    },
}

#[derive(Debug)]
enum InsertStep {
    BeforeInto,
    Name(Name),
    Columns(String, Vec<String>),
    AfterColumns(Target),
    /// Between tuples.
    Values(Target),
    Tuple(Tuple),
}

/// The statement an INSERT or COPY is filling: field names by position.
#[derive(Debug, Default)]
struct Target {
    table: String,
    /// `table.column` for each column, in order.
    fields: Vec<String>,
    /// The batch-local index of each field, valid for `generation`.
    indexes: Vec<Option<u32>>,
    generation: u64,
}

impl Target {
    fn new(table: String, columns: &[String]) -> Self {
        let fields = columns.iter().map(|c| format!("{table}.{c}")).collect();
        Target {
            table,
            fields,
            ..Target::default()
        }
    }

    /// The batch index of column `i` (0-based); columns past the known ones
    /// are `table.#n`.
    fn field(&mut self, i: usize, batch: &mut Batch) -> u32 {
        if self.generation != batch.generation {
            self.indexes.clear();
            self.generation = batch.generation;
        }
        if i >= self.fields.len() {
            return batch.field(&format!("{}.#{}", self.table, i + 1));
        }
        if self.indexes.len() < self.fields.len() {
            self.indexes.resize(self.fields.len(), None);
        }
        *self.indexes[i].get_or_insert_with(|| batch.field(&self.fields[i]))
    }
}

#[derive(Debug, Default)]
struct Tuple {
    target: Target,
    depth: u32,
    index: usize,
    /// The value being read: first and last token, first string literal.
    value: Option<Range<usize>>,
    value_line: u64,
    string: Option<(Range<usize>, u64)>,
    tokens: u32,
    keyword: bool,
}

impl Tuple {
    /// One more token of the value being read.
    fn extend(&mut self, tok: &Token, buf: &[u8]) {
        match &mut self.value {
            Some(v) => v.end = tok.end,
            None => {
                self.value = Some(tok.start..tok.end);
                self.value_line = tok.line;
            }
        }
        if let (Kind::Str(inner), None) = (&tok.kind, &self.string) {
            self.string = Some((inner.clone(), tok.line));
        }
        self.tokens += 1;
        self.keyword = self.tokens == 1
            && tok.kind == Kind::Word
            && matches!(tok.end - tok.start, 4 | 5 | 7)
            && ["NULL", "DEFAULT", "TRUE", "FALSE"]
                .iter()
                .any(|w| buf[tok.start..tok.end].eq_ignore_ascii_case(w.as_bytes()));
    }

    /// A value of the tuple is complete: it becomes a cell of its column.
    fn end_value(&mut self, batch: &mut Batch) {
        let value = self.value.take();
        let string = self.string.take();
        let index = self.index;
        self.index += 1;
        let keyword = std::mem::take(&mut self.keyword);
        self.tokens = 0;
        let (range, line) = match (string, value) {
            (Some((inner, line)), _) => (inner, line),
            (None, Some(v)) if !keyword => (v, self.value_line),
            _ => return,
        };
        let field = self.target.field(index, batch);
        batch.push(range, field, line);
    }
}

#[derive(Debug)]
enum CopyStep {
    Name(Name),
    Columns(String, Vec<String>),
    AfterColumns(String, Vec<String>),
    From(String, Vec<String>),
    Stdin(String, Vec<String>),
}

#[derive(Debug)]
enum State {
    Start,
    /// Until the next `;`.
    Skip,
    Create(CreateStep),
    Insert(InsertStep),
    Copy(CopyStep),
    /// Tab-separated rows until `\.`; `skip_line` while the rest of the
    /// COPY statement's own line is still ahead.
    CopyData {
        target: Target,
        skip_line: bool,
    },
}

struct Parser<'r> {
    win: Window<'r>,
    batch: Batch,
    /// Next byte to lex, in `win.buf`.
    pos: usize,
    /// Physical line of `pos`.
    line: u64,
    /// `win.buf[..safe]` holds no value still being read and may be sent.
    safe: usize,
    /// MySQL dumps escape with backslashes in every string.
    backslash: bool,
    /// Columns from CREATE TABLE, by table name as written and by its last part.
    tables: HashMap<String, Vec<String>>,
    /// Fields already announced with `sink.field`.
    declared: HashSet<String>,
    state: State,
    /// Tab offsets of the COPY row being split (kept to reuse its memory).
    tabs: Vec<usize>,
}

const CONSTRAINT_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "KEY",
    "INDEX",
    "FOREIGN",
    "CHECK",
    "FULLTEXT",
    "SPATIAL",
    "EXCLUDE",
    "LIKE",
    "PERIOD",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl Parser<'_> {
    fn run(&mut self, sink: &mut dyn SourceSink) -> io::Result<Outcome> {
        loop {
            if let State::CopyData { .. } = self.state {
                match self.copy_row() {
                    Some(true) => continue,
                    Some(false) => {}
                    None => return self.end_of_input(sink),
                }
            } else {
                match self.lex() {
                    Lexed::Token(tok) => {
                        if let Some(outcome) = self.on_token(tok, sink) {
                            return Ok(outcome);
                        }
                        if !self.value_open() {
                            self.safe = self.pos;
                        }
                        continue;
                    }
                    Lexed::NeedMore => {}
                    Lexed::End => return self.end_of_input(sink),
                    Lexed::Unterminated(at) => {
                        let line = self.line_at(at);
                        return Ok(Outcome::GiveUp {
                            at: at.min(self.safe),
                            what: format!(
                                "the dump ends inside a string or comment opened on line {line}"
                            ),
                        });
                    }
                }
            }
            // More input is needed: send what is complete first, so the
            // buffer holds little more than the token being read.
            if self.safe > 0 {
                self.flush(sink);
            }
            if self.win.buf.len() - self.safe > MAX_TOKEN {
                let line = self.line_at(self.safe);
                return Ok(Outcome::GiveUp {
                    at: self.safe,
                    what: format!(
                        "a value or statement from line {line} is longer than {} MiB",
                        MAX_TOKEN >> 20
                    ),
                });
            }
            self.win.fill()?;
        }
    }

    fn value_open(&self) -> bool {
        matches!(&self.state, State::Insert(InsertStep::Tuple(t)) if t.value.is_some())
    }

    fn line_at(&self, at: usize) -> u64 {
        self.win.position(at).0
    }

    fn flush(&mut self, sink: &mut dyn SourceSink) {
        let n = self.safe;
        self.batch.flush(&mut self.win, n, sink);
        self.pos -= n;
        self.safe = 0;
        // A value still being read keeps offsets into the buffer.
        if let State::Insert(InsertStep::Tuple(t)) = &mut self.state {
            let shift = |r: &mut Range<usize>| *r = r.start - n..r.end - n;
            if let Some(v) = &mut t.value {
                shift(v);
            }
            if let Some((s, _)) = &mut t.string {
                shift(s);
            }
        }
    }

    /// Input is over: send the rest, and say so if a statement was cut.
    fn end_of_input(&mut self, sink: &mut dyn SourceSink) -> io::Result<Outcome> {
        let truncated = match &self.state {
            State::Insert(InsertStep::Tuple(_)) => Some("an INSERT"),
            State::CopyData { .. } => Some("a COPY block (no \\. line)"),
            _ => None,
        };
        if let Some(what) = truncated {
            let at = self.safe;
            let line = self.line_at(at);
            return Ok(Outcome::GiveUp {
                at,
                what: format!("the dump ends inside {what} (truncated?); last complete value before line {line}"),
            });
        }
        self.safe = self.win.buf.len();
        self.flush(sink);
        Ok(Outcome::Done)
    }

    /// The next token, skipping blanks and comments.
    fn lex(&mut self) -> Lexed {
        let eof = self.win.eof;
        loop {
            let buf = &self.win.buf;
            while self.pos < buf.len() && buf[self.pos].is_ascii_whitespace() {
                if buf[self.pos] == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            let start = self.pos;
            let Some(&c) = buf.get(start) else {
                return if eof { Lexed::End } else { Lexed::NeedMore };
            };
            let next = buf.get(start + 1).copied();
            if next.is_none() && !eof && matches!(c, b'-' | b'/' | b'E' | b'e' | b'$') {
                return Lexed::NeedMore;
            }
            match (c, next) {
                (b'-', Some(b'-')) => match memchr::memchr(b'\n', &buf[start..]) {
                    Some(nl) => self.pos = start + nl,
                    None if eof => self.pos = buf.len(),
                    None => return Lexed::NeedMore,
                },
                (b'/', Some(b'*')) => match memchr::memmem::find(&buf[start + 2..], b"*/") {
                    Some(i) => {
                        let end = start + 2 + i + 2;
                        self.line += crate::position::count_newlines(&buf[start..end]);
                        self.pos = end;
                    }
                    None if eof => return Lexed::Unterminated(start),
                    None => return Lexed::NeedMore,
                },
                (b'\'', _) => return self.quoted(start, start, b'\'', self.backslash, true),
                (b'E' | b'e', Some(b'\'')) => {
                    return self.quoted(start, start + 1, b'\'', true, true)
                }
                (b'N' | b'n' | b'X' | b'x' | b'B' | b'b', Some(b'\'')) => {
                    return self.quoted(start, start + 1, b'\'', self.backslash, true)
                }
                (b'"', _) => return self.quoted(start, start, b'"', false, false),
                (b'`', _) => return self.quoted(start, start, b'`', false, false),
                (b'$', _) => return self.dollar_quoted(start),
                _ if is_word_byte(c) => {
                    let mut end = start;
                    while end < buf.len()
                        && (is_word_byte(buf[end])
                            || (buf[end] == b'.'
                                && buf[start..end].iter().all(u8::is_ascii_digit)
                                && buf.get(end + 1).is_some_and(u8::is_ascii_digit)))
                    {
                        end += 1;
                    }
                    if (end == buf.len() || (buf[end] == b'.' && end + 1 == buf.len())) && !eof {
                        return Lexed::NeedMore;
                    }
                    return self.token(Kind::Word, start, end, 0);
                }
                _ => return self.token(Kind::Punct(c), start, start + 1, 0),
            }
        }
    }

    fn token(&mut self, kind: Kind, start: usize, end: usize, newlines: u64) -> Lexed {
        let line = self.line;
        self.line += newlines;
        self.pos = end;
        Lexed::Token(Token {
            kind,
            start,
            end,
            line,
        })
    }

    /// A string or quoted identifier whose opening quote is at `open`
    /// (`start` includes any prefix such as `E`). Doubled quotes escape;
    /// with `backslash`, so does `\`, and the escape is blanked in place.
    fn quoted(
        &mut self,
        start: usize,
        open: usize,
        quote: u8,
        backslash: bool,
        string: bool,
    ) -> Lexed {
        let eof = self.win.eof;
        let buf = &mut self.win.buf;
        let mut i = open + 1;
        let mut newlines = 0;
        // Without backslash escapes, stopping at `\` too costs nothing and
        // keeps one loop.
        loop {
            let Some(off) = memchr::memchr3(quote, b'\\', b'\n', &buf[i..]) else {
                return if eof {
                    Lexed::Unterminated(start)
                } else {
                    Lexed::NeedMore
                };
            };
            i += off;
            match buf[i] {
                b'\n' => {
                    newlines += 1;
                    i += 1;
                }
                b'\\' if !backslash => i += 1,
                b'\\' => match buf.get(i + 1) {
                    None if eof => return Lexed::Unterminated(start),
                    None => return Lexed::NeedMore,
                    Some(b'\n') => {
                        buf[i] = b' ';
                        newlines += 1;
                        i += 2;
                    }
                    // An escaped quote stays a quote (`O\'Brien` reads
                    // `O''Brien`), so names keep their shape.
                    Some(&b) if b == b'\'' || b == b'"' => {
                        buf[i] = b;
                        i += 2;
                    }
                    Some(&b) if b < 0x80 => {
                        buf[i] = b' ';
                        buf[i + 1] = b' ';
                        i += 2;
                    }
                    Some(_) => {
                        buf[i] = b' ';
                        i += 1;
                    }
                },
                _ => match buf.get(i + 1) {
                    Some(&b) if b == quote => i += 2,
                    None if !eof => return Lexed::NeedMore,
                    _ => {
                        let inner = open + 1..i;
                        let kind = if string {
                            Kind::Str(inner)
                        } else {
                            Kind::Ident(inner)
                        };
                        return self.token(kind, start, i + 1, newlines);
                    }
                },
            }
        }
    }

    /// PostgreSQL `$tag$ … $tag$` (function bodies); a lone `$` is punctuation.
    fn dollar_quoted(&mut self, start: usize) -> Lexed {
        let buf = &self.win.buf;
        let eof = self.win.eof;
        let mut end = start + 1;
        while end < buf.len() && (buf[end].is_ascii_alphanumeric() || buf[end] == b'_') {
            end += 1;
        }
        if end == buf.len() {
            return if eof {
                self.token(Kind::Punct(b'$'), start, start + 1, 0)
            } else {
                Lexed::NeedMore
            };
        }
        if buf[end] != b'$' || buf.get(start + 1).is_some_and(u8::is_ascii_digit) {
            return self.token(Kind::Punct(b'$'), start, start + 1, 0);
        }
        let tag = buf[start..=end].to_vec();
        match memchr::memmem::find(&buf[end + 1..], &tag) {
            Some(i) => {
                let close = end + 1 + i;
                let newlines = crate::position::count_newlines(&buf[start..close]);
                self.token(
                    Kind::Str(end + 1..close),
                    start,
                    close + tag.len(),
                    newlines,
                )
            }
            None if eof => Lexed::Unterminated(start),
            None => Lexed::NeedMore,
        }
    }

    fn text(&self, range: Range<usize>) -> &str {
        std::str::from_utf8(&self.win.buf[range]).unwrap_or("")
    }

    /// A keyword, compared case-insensitively.
    fn is(&self, tok: &Token, word: &str) -> bool {
        tok.kind == Kind::Word
            && self.win.buf[tok.start..tok.end].eq_ignore_ascii_case(word.as_bytes())
    }

    /// The identifier a token names, unquoted.
    fn ident(&self, tok: &Token) -> Option<String> {
        match &tok.kind {
            Kind::Word => Some(self.text(tok.start..tok.end).to_string()),
            Kind::Ident(inner) => {
                let q = self.win.buf[tok.start] as char;
                let doubled: String = [q, q].iter().collect();
                Some(self.text(inner.clone()).replace(&doubled, &q.to_string()))
            }
            _ => None,
        }
    }

    fn declare(&mut self, field: &str, line: u64, sink: &mut dyn SourceSink) {
        if self.declared.len() < 100_000 && self.declared.insert(field.to_string()) {
            sink.field(field, line);
        }
    }

    fn columns_of(&self, table: &str) -> Vec<String> {
        self.tables
            .get(table)
            .or_else(|| self.tables.get(table.rsplit('.').next().unwrap_or(table)))
            .cloned()
            .unwrap_or_default()
    }

    /// Advances the statement state machine by one token.
    fn on_token(&mut self, tok: Token, sink: &mut dyn SourceSink) -> Option<Outcome> {
        // Values are most of a dump: handled in place, without moving the
        // statement state around.
        match &mut self.state {
            State::Insert(InsertStep::Tuple(t)) => {
                let buf = &self.win.buf;
                match tok.kind {
                    Kind::Punct(b'(') => {
                        t.depth += 1;
                        t.extend(&tok, buf);
                    }
                    Kind::Punct(b')') if t.depth == 1 => {
                        t.end_value(&mut self.batch);
                        let target = std::mem::take(&mut t.target);
                        self.state = State::Insert(InsertStep::Values(target));
                    }
                    Kind::Punct(b')') => {
                        t.depth -= 1;
                        t.extend(&tok, buf);
                    }
                    Kind::Punct(b',') if t.depth == 1 => t.end_value(&mut self.batch),
                    _ => t.extend(&tok, buf),
                }
                return None;
            }
            State::Insert(InsertStep::Values(target)) if tok.kind == Kind::Punct(b'(') => {
                let target = std::mem::take(target);
                self.state = State::Insert(InsertStep::Tuple(Tuple {
                    target,
                    depth: 1,
                    ..Tuple::default()
                }));
                return None;
            }
            State::Insert(InsertStep::Values(_)) if tok.kind == Kind::Punct(b',') => return None,
            _ => {}
        }
        let state = std::mem::replace(&mut self.state, State::Skip);

        self.state = match state {
            State::Start | State::Skip if tok.kind == Kind::Punct(b';') => State::Start,
            State::Skip => State::Skip,
            State::Start => {
                if self.is(&tok, "INSERT") || self.is(&tok, "REPLACE") {
                    State::Insert(InsertStep::BeforeInto)
                } else if self.is(&tok, "CREATE") {
                    State::Create(CreateStep::Prefix)
                } else if self.is(&tok, "COPY") {
                    State::Copy(CopyStep::Name(Name::new()))
                } else {
                    State::Skip
                }
            }
            State::Create(step) => self.on_create(step, &tok, sink),
            State::Insert(step) => match self.on_insert(step, &tok, sink) {
                Ok(state) => state,
                Err(what) => {
                    return Some(Outcome::GiveUp {
                        at: tok.start,
                        what,
                    })
                }
            },
            State::Copy(step) => self.on_copy(step, &tok, sink),
            data @ State::CopyData { .. } => data,
        };
        None
    }

    fn on_create(&mut self, step: CreateStep, tok: &Token, sink: &mut dyn SourceSink) -> State {
        if tok.kind == Kind::Punct(b';') {
            return State::Start;
        }
        let step = match step {
            CreateStep::Prefix => {
                if self.is(tok, "TABLE") {
                    CreateStep::Name(Name::new())
                } else if [
                    "OR",
                    "REPLACE",
                    "TEMP",
                    "TEMPORARY",
                    "UNLOGGED",
                    "GLOBAL",
                    "LOCAL",
                ]
                .iter()
                .any(|w| self.is(tok, w))
                {
                    CreateStep::Prefix
                } else {
                    return State::Skip;
                }
            }
            CreateStep::Name(mut name) => {
                let if_not_exists = name.parts.is_empty()
                    && ["IF", "NOT", "EXISTS"].iter().any(|w| self.is(tok, w));
                if if_not_exists || (tok.kind == Kind::Punct(b'.') && name.dot()) {
                    CreateStep::Name(name)
                } else if tok.kind == Kind::Punct(b'(') && !name.open {
                    CreateStep::Body {
                        table: name.joined(),
                        depth: 1,
                        item_start: true,
                        columns: Vec::new(),
                    }
                } else if let Some(part) = self.ident(tok).filter(|_| name.open) {
                    name.take(part);
                    CreateStep::Name(name)
                } else {
                    return State::Skip;
                }
            }
            CreateStep::Body {
                table,
                mut depth,
                mut item_start,
                mut columns,
            } => {
                match tok.kind {
                    Kind::Punct(b'(') => depth += 1,
                    Kind::Punct(b')') => depth -= 1,
                    Kind::Punct(b',') if depth == 1 => item_start = true,
                    _ if item_start && depth == 1 => {
                        item_start = false;
                        let constraint = tok.kind == Kind::Word
                            && CONSTRAINT_WORDS.iter().any(|w| self.is(tok, w));
                        if !constraint {
                            if let Some(col) = self.ident(tok) {
                                columns.push((col, tok.line));
                            }
                        }
                    }
                    _ => {}
                }
                if depth == 0 {
                    self.define_table(&table, columns, sink);
                    return State::Skip;
                }
                CreateStep::Body {
                    table,
                    depth,
                    item_start,
                    columns,
                }
            }
        };
        State::Create(step)
    }

    fn define_table(
        &mut self,
        table: &str,
        columns: Vec<(String, u64)>,
        sink: &mut dyn SourceSink,
    ) {
        let mut names = Vec::with_capacity(columns.len());
        for (i, (col, line)) in columns.into_iter().enumerate() {
            let col = presentable_name(&col)
                .map(str::to_string)
                .unwrap_or_else(|| format!("#{}", i + 1));
            self.declare(&format!("{table}.{col}"), line, sink);
            names.push(col);
        }
        if let Some(last) = table.rsplit('.').next().filter(|l| *l != table) {
            self.tables.insert(last.to_string(), names.clone());
        }
        self.tables.insert(table.to_string(), names);
    }

    fn on_insert(
        &mut self,
        step: InsertStep,
        tok: &Token,
        sink: &mut dyn SourceSink,
    ) -> Result<State, String> {
        let semicolon = tok.kind == Kind::Punct(b';');
        let step = match step {
            InsertStep::BeforeInto => {
                if self.is(tok, "INTO") {
                    InsertStep::Name(Name::new())
                } else if [
                    "IGNORE",
                    "LOW_PRIORITY",
                    "DELAYED",
                    "HIGH_PRIORITY",
                    "OR",
                    "REPLACE",
                    "ABORT",
                    "FAIL",
                    "ROLLBACK",
                ]
                .iter()
                .any(|w| self.is(tok, w))
                {
                    InsertStep::BeforeInto
                } else {
                    return Ok(if semicolon { State::Start } else { State::Skip });
                }
            }
            InsertStep::Name(mut name) => {
                if tok.kind == Kind::Punct(b'.') && name.dot() {
                    InsertStep::Name(name)
                } else if !name.open && tok.kind == Kind::Punct(b'(') {
                    InsertStep::Columns(name.joined(), Vec::new())
                } else if !name.open && (self.is(tok, "VALUES") || self.is(tok, "VALUE")) {
                    let table = name.joined();
                    let columns = self.columns_of(&table);
                    InsertStep::Values(Target::new(table, &columns))
                } else if let Some(part) = self.ident(tok).filter(|_| name.open) {
                    name.take(part);
                    InsertStep::Name(name)
                } else {
                    return Ok(if semicolon { State::Start } else { State::Skip });
                }
            }
            InsertStep::Columns(table, mut columns) => match tok.kind {
                Kind::Punct(b',') => InsertStep::Columns(table, columns),
                Kind::Punct(b')') => {
                    let columns: Vec<String> = columns
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            presentable_name(&c)
                                .map(str::to_string)
                                .unwrap_or_else(|| format!("#{}", i + 1))
                        })
                        .collect();
                    let target = Target::new(table, &columns);
                    for f in &target.fields {
                        self.declare(f, tok.line, sink);
                    }
                    InsertStep::AfterColumns(target)
                }
                _ => match self.ident(tok) {
                    Some(c) => {
                        columns.push(c);
                        InsertStep::Columns(table, columns)
                    }
                    None => return Ok(State::Skip),
                },
            },
            InsertStep::AfterColumns(target) => {
                if self.is(tok, "VALUES") || self.is(tok, "VALUE") {
                    InsertStep::Values(target)
                } else {
                    return Ok(if semicolon { State::Start } else { State::Skip });
                }
            }
            InsertStep::Values(target) => match tok.kind {
                Kind::Punct(b'(') => InsertStep::Tuple(Tuple {
                    target,
                    depth: 1,
                    ..Tuple::default()
                }),
                Kind::Punct(b',') => InsertStep::Values(target),
                Kind::Punct(b';') => return Ok(State::Start),
                _ if self.is(tok, "ON") || self.is(tok, "RETURNING") => {
                    return Ok(State::Skip);
                }
                _ => {
                    return Err(format!(
                        "unexpected text between the tuples of an INSERT at line {}",
                        tok.line
                    ))
                }
            },
            // Handled in place by `on_token`.
            InsertStep::Tuple(t) => InsertStep::Tuple(t),
        };
        Ok(State::Insert(step))
    }

    fn on_copy(&mut self, step: CopyStep, tok: &Token, sink: &mut dyn SourceSink) -> State {
        let step = match step {
            CopyStep::Name(mut name) => {
                if tok.kind == Kind::Punct(b'.') && name.dot() {
                    CopyStep::Name(name)
                } else if !name.open && tok.kind == Kind::Punct(b'(') {
                    CopyStep::Columns(name.joined(), Vec::new())
                } else if !name.open && self.is(tok, "FROM") {
                    let table = name.joined();
                    let columns = self.columns_of(&table);
                    CopyStep::From(table, columns)
                } else if let Some(part) = self.ident(tok).filter(|_| name.open) {
                    name.take(part);
                    CopyStep::Name(name)
                } else {
                    return State::Skip;
                }
            }
            CopyStep::Columns(table, mut columns) => match tok.kind {
                Kind::Punct(b',') => CopyStep::Columns(table, columns),
                Kind::Punct(b')') => CopyStep::AfterColumns(table, columns),
                _ => match self.ident(tok) {
                    Some(c) => {
                        columns.push(c);
                        CopyStep::Columns(table, columns)
                    }
                    None => return State::Skip,
                },
            },
            CopyStep::AfterColumns(table, columns) if self.is(tok, "FROM") => {
                CopyStep::From(table, columns)
            }
            CopyStep::From(table, columns) if self.is(tok, "STDIN") => {
                CopyStep::Stdin(table, columns)
            }
            CopyStep::Stdin(table, columns) => {
                if tok.kind != Kind::Punct(b';') {
                    CopyStep::Stdin(table, columns)
                } else {
                    let columns: Vec<String> = columns
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            presentable_name(&c)
                                .map(str::to_string)
                                .unwrap_or_else(|| format!("#{}", i + 1))
                        })
                        .collect();
                    let target = Target::new(table, &columns);
                    for f in &target.fields {
                        self.declare(f, tok.line, sink);
                    }
                    // Rows start on the line after the statement.
                    return State::CopyData {
                        target,
                        skip_line: true,
                    };
                }
            }
            _ => {
                return if tok.kind == Kind::Punct(b';') {
                    State::Start
                } else {
                    State::Skip
                }
            }
        };
        State::Copy(step)
    }

    /// Reads one row of a COPY block. `Some(true)`: a row (or the `\.`
    /// line) was read; `Some(false)`: more input is needed; `None`: input
    /// is over.
    fn copy_row(&mut self) -> Option<bool> {
        let buf = &self.win.buf;
        let eof = self.win.eof;
        let (row_end, next) = match memchr::memchr(b'\n', &buf[self.pos..]) {
            Some(i) => (self.pos + i, self.pos + i + 1),
            None if eof && self.pos < buf.len() => (buf.len(), buf.len()),
            None if eof => return None,
            None => return Some(false),
        };
        if let State::CopyData { skip_line, .. } = &mut self.state {
            if std::mem::take(skip_line) {
                self.advance_row(next, row_end < next);
                return Some(true);
            }
        }
        let mut row = self.pos..row_end;
        if buf[row.clone()].ends_with(b"\r") {
            row.end -= 1;
        }
        if &buf[row.clone()] == b"\\." {
            self.advance_row(next, row_end < next);
            self.state = State::Start;
            return Some(true);
        }
        let State::CopyData { target, .. } = &mut self.state else {
            return Some(true);
        };
        let line = self.line;
        let escaped = memchr::memchr(b'\\', &buf[row.clone()]).is_some();
        let mut ends = std::mem::take(&mut self.tabs);
        ends.clear();
        ends.extend(memchr::memchr_iter(b'\t', &buf[row.clone()]).map(|t| row.start + t));
        ends.push(row.end);
        let mut start = row.start;
        for (i, &end) in ends.iter().enumerate() {
            let field = start..end;
            start = end + 1;
            if field.is_empty() || &self.win.buf[field.clone()] == b"\\N" {
                continue;
            }
            if escaped {
                blank_copy_escapes(&mut self.win.buf[field.clone()]);
            }
            let index = target.field(i, &mut self.batch);
            self.batch.push(field, index, line);
        }
        self.tabs = ends;
        self.advance_row(next, row_end < next);
        Some(true)
    }

    fn advance_row(&mut self, next: usize, newline: bool) {
        self.pos = next;
        self.line += u64::from(newline);
        self.safe = next;
    }
}

/// Blanks COPY text-format escapes (`\t`, `\n`, `\\`, `\301`, `\x41`) in
/// place, so the bytes around them are not glued to escape letters.
fn blank_copy_escapes(field: &mut [u8]) {
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\' {
            field[i] = b' ';
            if let Some(b) = field.get_mut(i + 1) {
                if *b < 0x80 {
                    *b = b' ';
                }
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
    use super::*;

    fn run(input: &str) -> Recorder {
        Recorder::run(StructuredKind::Sql, input)
    }

    const PG: &str = "\
--
-- PostgreSQL database dump
--

SET standard_conforming_strings = on;

CREATE TABLE public.users (
    id integer NOT NULL,
    full_name text,
    iin character varying(12),
    email text,
    note text,
    CONSTRAINT users_pkey PRIMARY KEY (id)
);

COPY public.users (id, full_name, iin, email, note) FROM stdin;
1\tИванов Иван\t850315300128\tivan@mail.kz\t\\N
2\tO'Brien\t\\N\tob@mail.kz\tтел:\\n87012345678
\\.

INSERT INTO public.users VALUES (3, 'Ким Ольга', '050722600456', 'olga@mail.kz', 'it''s');
INSERT INTO public.users (id, email) VALUES (4, 'x@y.kz');
";

    #[test]
    fn pg_dump_copy_and_inserts_get_schema_table_column() {
        let r = run(PG);
        assert_eq!(r.fallbacks, 0, "{:?}", r.notices);
        let declared: Vec<&str> = r.fields.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            declared,
            [
                "public.users.id",
                "public.users.full_name",
                "public.users.iin",
                "public.users.email",
                "public.users.note"
            ]
        );
        assert_eq!(r.fields[2].1, 10);
        let iin = r.value("850315300128");
        assert_eq!(
            (iin.field.as_deref(), iin.line, iin.column),
            (Some("public.users.iin"), 17, 15)
        );
        assert_eq!(
            r.value("ob@mail.kz").field.as_deref(),
            Some("public.users.email")
        );
        // The escaped newline is blanked, so the phone stands on its own.
        assert_eq!(r.value("тел:  87012345678").line, 18);
        let olga = r.value("olga@mail.kz");
        assert_eq!(
            (olga.field.as_deref(), olga.line),
            (Some("public.users.email"), 21)
        );
        assert_eq!(
            r.value("050722600456").field.as_deref(),
            Some("public.users.iin")
        );
        assert_eq!(
            r.value("x@y.kz").field.as_deref(),
            Some("public.users.email")
        );
        assert_eq!(r.value("3").field.as_deref(), Some("public.users.id"));
        assert!(!r.values.iter().any(|v| v.text == "\\N"));
        assert!(r.plain.contains("CREATE TABLE public.users"));
    }

    #[test]
    fn mysqldump_extended_insert_on_one_line_keeps_physical_columns() {
        let mut dump = String::from(
            "-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `clients` (\n  `id` int NOT NULL,\n  `iin` varchar(12),\n  `email` varchar(255),\n  `photo` blob,\n  PRIMARY KEY (`id`),\n  KEY `idx_email` (`email`)\n) ENGINE=InnoDB;\nLOCK TABLES `clients` WRITE;\nINSERT INTO `clients` VALUES ",
        );
        for i in 0..3000 {
            if i > 0 {
                dump.push(',');
            }
            dump.push_str(&format!(
                "({i},'8503153{i:05}','u{i}@mail.kz',_binary 'x\\'y')"
            ));
        }
        dump.push_str(",(3000,NULL,'O\\'Brien','')\n");
        dump.push_str(";\nUNLOCK TABLES;\n");
        let r = run(&dump);
        assert_eq!(r.fallbacks, 0, "{:?}", r.notices);
        assert!(r.batches > 3, "{}", r.batches);
        let line = dump.lines().nth(11).unwrap();
        let v = r.value("u2999@mail.kz");
        assert_eq!((v.field.as_deref(), v.line), (Some("clients.email"), 12));
        let col = line[..line.find("u2999@mail.kz").unwrap()].chars().count() as u64 + 1;
        assert_eq!(v.column, col);
        assert_eq!(
            r.value("850315302999").field.as_deref(),
            Some("clients.iin")
        );
        assert_eq!(r.value("x''y").field.as_deref(), Some("clients.photo"));
        assert_eq!(r.value("O''Brien").field.as_deref(), Some("clients.email"));
        assert_eq!(
            r.fields.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            [
                "clients.id",
                "clients.iin",
                "clients.email",
                "clients.photo"
            ]
        );
        assert_eq!(r.values.iter().filter(|v| v.text == "NULL").count(), 0);
    }

    #[test]
    fn multi_token_values_across_read_chunks_keep_their_ranges() {
        let mut dump = String::from(
            "CREATE TABLE t (id int, photo blob, email text, born date);\nINSERT INTO t VALUES ",
        );
        for i in 0..4000 {
            if i > 0 {
                dump.push(',');
            }
            dump.push_str(&format!(
                "({i},_binary 'x{i}',  'u{i}@mail.kz' , '1985-03-15'::date)"
            ));
        }
        dump.push_str(";\n");
        let r = run(&dump);
        assert_eq!(r.fallbacks, 0);
        assert_eq!(r.values.len(), 16_000);
        for i in (0..4000).step_by(97) {
            assert_eq!(r.value(&format!("x{i}")).field.as_deref(), Some("t.photo"));
            assert_eq!(
                r.value(&format!("u{i}@mail.kz")).field.as_deref(),
                Some("t.email")
            );
        }
        assert!(r
            .values
            .iter()
            .filter(|v| v.field.as_deref() == Some("t.born"))
            .all(|v| v.text == "1985-03-15"));
    }

    #[test]
    fn sqlite_dump() {
        let r = run("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE \"people\"(id INTEGER PRIMARY KEY, \"e-mail\" TEXT, phone TEXT);\nINSERT INTO people VALUES(1,'a@b.kz','+77012345678');\nINSERT INTO \"people\" VALUES(2,replace('x\\ny','\\n',char(10)),NULL);\nCOMMIT;\n");
        assert_eq!(r.value("a@b.kz").field.as_deref(), Some("people.e-mail"));
        assert_eq!(
            r.value("+77012345678").field.as_deref(),
            Some("people.phone")
        );
        assert_eq!(r.value("x\\ny").field.as_deref(), Some("people.e-mail"));
    }

    #[test]
    fn dollar_quotes_and_comments_do_not_derail_the_lexer() {
        let r = run("CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN x := 'a;'; END; $$ LANGUAGE plpgsql;\n/* a ' quote; */ -- and ' here\nINSERT INTO t (email) VALUES ('a@b.kz');\n");
        assert_eq!(r.value("a@b.kz").field.as_deref(), Some("t.email"));
        assert_eq!(r.value("a@b.kz").line, 3);
        assert_eq!(r.fallbacks, 0);
    }

    #[test]
    fn insert_without_known_columns_numbers_them() {
        let r = run("INSERT INTO logs VALUES (1, 'a@b.kz');\n");
        assert_eq!(r.value("a@b.kz").field.as_deref(), Some("logs.#2"));
    }

    #[test]
    fn a_dump_truncated_inside_a_string_falls_back_and_keeps_the_rest() {
        let r = run("CREATE TABLE t (iin text, email text);\nINSERT INTO t VALUES ('850315300128','a@b.kz'),('050722600456','c@d.kz and more\nmore lines x@y.kz");
        assert_eq!(r.value("a@b.kz").field.as_deref(), Some("t.email"));
        assert_eq!(r.value("050722600456").field.as_deref(), Some("t.iin"));
        assert_eq!(r.fallbacks, 1);
        assert_eq!(r.notices[0].line, Some(2));
        assert!(r.plain.contains("'c@d.kz and more\nmore lines x@y.kz"));
    }

    #[test]
    fn copy_block_without_terminator_is_reported() {
        let r = run("COPY public.t (email) FROM stdin;\na@b.kz\nc@d.kz");
        assert_eq!(r.value("c@d.kz").field.as_deref(), Some("public.t.email"));
        assert_eq!(r.value("c@d.kz").line, 3);
        assert_eq!(r.fallbacks, 1);
    }

    #[test]
    fn garbage_between_tuples_falls_back_there() {
        let r = run("INSERT INTO t (email) VALUES ('a@b.kz') garbage 'c@d.kz';\n");
        assert_eq!(r.value("a@b.kz").field.as_deref(), Some("t.email"));
        assert_eq!(r.fallbacks, 1);
        assert!(r.plain.contains("garbage 'c@d.kz'"));
    }

    #[test]
    fn sniffing_sql_content() {
        assert!(looks_like_sql(
            "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n"
        ));
        assert!(!looks_like_sql("2024-01-01 INSERT INTO t failed\nSET x\n"));
        assert!(!looks_like_sql("hello\n"));
    }
}
