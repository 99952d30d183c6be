//! E-mail: RFC 5322 messages (`.eml`, Maildir files, attachments that are
//! messages) and mbox mailboxes, recognised by content, read with
//! `mail-parser`.
//!
//! What a message yields (the README's "Mail" section is the contract):
//! - each header as a segment whose `field` is the header's name (`From`,
//!   `To`, `Subject`), on the header's own line and column in the message.
//!   Addresses are found in the raw header text, so their positions are
//!   exact. `Message-ID`, `References`, `In-Reply-To` and other identifier,
//!   signature and MIME headers are not scanned: their `local@host` values
//!   are not anyone's address;
//! - each display name of two words or more of `From`/`Sender`/`Reply-To`
//!   (`From.sender_name`) and `To`/`Cc`/`Bcc` (`To.recipient_name`), a
//!   field named for a person, so a Kazakh or Russian name there is a
//!   `person_name` finding;
//! - each text body decoded (base64, quoted-printable, any charset) as
//!   field `body` (`body 2`, … for further text parts), lines counted in the
//!   decoded text;
//! - each attachment as a member, `mail.eml!spisok.csv`, read by its own
//!   type through the source dispatch (archives, CSV, compressed files,
//!   nested messages), under the depth and size limits of archives.
//!
//! An mbox's messages are members named by their 1-based number,
//! `inbox.mbox!3`, and their attachments `inbox.mbox!3!spisok.csv`.

use super::{Ctx, Flow, Node, SourceSink};
use crate::model::{Notice, ScanError, Segment, SkipReason};
use crate::position::{count_chars, count_newlines};
use mail_parser::{
    Address, Encoding, HeaderName, HeaderValue, MessageParser, MimeHeaders, PartType,
};
use std::borrow::Cow;
use std::io::{self, BufRead, Read};

/// Largest message held in memory to be parsed (a mail is parsed whole);
/// a larger one is reported (`size_limit`).
pub const MESSAGE_IN_MEMORY_LIMIT: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// One RFC 5322 message.
    Message,
    /// Messages each introduced by a `From ` line.
    Mbox,
}

/// Whether `head` is mail: a header block at the very start (an mbox has
/// its `From ` separator line first).
pub fn sniff(head: &[u8]) -> Option<MailKind> {
    if let Some(rest) = head.strip_prefix(b"From ") {
        let after = memchr::memchr(b'\n', rest)?;
        return starts_with_headers(&rest[after + 1..]).then_some(MailKind::Mbox);
    }
    starts_with_headers(head).then_some(MailKind::Message)
}

/// Header names that only mail has; one of them must be present, so an
/// HTTP response (`Date:`, `Content-Type:`) is not taken for a message.
const MAIL_HEADERS: &[&str] = &[
    "from",
    "to",
    "cc",
    "subject",
    "message-id",
    "received",
    "return-path",
    "delivered-to",
    "reply-to",
    "x-mailer",
];
const OTHER_HEADERS: &[&str] = &[
    "date",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "in-reply-to",
    "references",
    "sender",
    "user-agent",
    "dkim-signature",
    "x-original-to",
];

/// Whether `head` opens with RFC 5322 header fields (`Name: value` lines,
/// folded continuations) holding at least two well-known mail headers, one
/// of them mail-only, before the blank line that ends them (or the end of
/// the head).
fn starts_with_headers(head: &[u8]) -> bool {
    // Only whole lines count: the head may end mid-line.
    let whole = match memchr::memrchr(b'\n', head) {
        Some(last) => &head[..=last],
        None => return false,
    };
    let (mut known, mut mail_only) = (0, false);
    for (i, line) in whole.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if i == 0 {
                return false;
            }
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            return false;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
            return false;
        }
        let is = |list: &[&str]| list.iter().any(|h| name.eq_ignore_ascii_case(h.as_bytes()));
        if is(MAIL_HEADERS) {
            known += 1;
            mail_only = true;
        } else if is(OTHER_HEADERS) {
            known += 1;
        }
    }
    known >= 2 && mail_only
}

/// Headers never scanned: identifiers shaped like addresses (`Message-ID:
/// <123@host>`), signatures (base64 that digit detectors would misread)
/// and MIME structure.
fn is_unscanned_header(name: &str) -> bool {
    const UNSCANNED: &[&str] = &[
        "message-id",
        "references",
        "in-reply-to",
        "resent-message-id",
        "content-id",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "mime-version",
        "dkim-signature",
        "x-google-dkim-signature",
        "domainkey-signature",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "authentication-results",
        "thread-index",
        "x-ms-exchange-organization-network-message-id",
    ];
    UNSCANNED.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// The field a header's display names are reported under: named for a
/// person, so that the detection stage checks them as names.
fn display_name_field(header: &str) -> Option<String> {
    let role = match header.to_ascii_lowercase().as_str() {
        "from" | "sender" | "reply-to" => "sender_name",
        "to" | "cc" | "bcc" => "recipient_name",
        _ => return None,
    };
    Some(format!("{header}.{role}"))
}

/// Reads a whole message (up to [`MESSAGE_IN_MEMORY_LIMIT`]) and scans it.
pub(super) fn scan_message_stream<R: Read>(
    reader: R,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) -> Flow {
    match super::read_bounded(reader, MESSAGE_IN_MEMORY_LIMIT) {
        Ok(Some(raw)) => scan_message(&raw, node, ctx, sink),
        Ok(None) => {
            sink.notice(too_large(&node.display));
            Flow::Done
        }
        Err(e) => ctx.report(e, &node.display, sink),
    }
}

fn too_large(path: &str) -> Notice {
    Notice {
        path: path.to_string(),
        line: None,
        reason: Some(SkipReason::SizeLimit),
        message: format!(
            "e-mail message larger than {}; not scanned",
            super::compress::human_size(MESSAGE_IN_MEMORY_LIMIT)
        ),
    }
}

/// Scans one message held in memory: headers, bodies, then attachments.
pub(super) fn scan_message(raw: &[u8], node: &Node, ctx: &Ctx, sink: &mut dyn SourceSink) -> Flow {
    let parser = MessageParser::new()
        .with_mime_headers()
        .with_address_headers()
        .header_text(HeaderName::Subject)
        .header_text(HeaderName::Comments);
    sink.begin(&node.meta());
    let Some(message) = parser.parse(raw) else {
        sink.error(ScanError {
            path: node.display.clone(),
            message: "not a readable e-mail message".to_string(),
        });
        sink.end();
        return Flow::Done;
    };
    scan_headers(&message, raw, sink);
    for index in 0..message.text_body_count() {
        let Some(text) = message.body_text(index) else {
            continue;
        };
        let field = match index {
            0 => Cow::Borrowed("body"),
            n => Cow::Owned(format!("body {}", n + 1)),
        };
        sink.segment(&Segment::whole(&text, 1, Some(field.as_ref())));
    }
    sink.end();
    scan_attachments(&message, raw, node, ctx, sink);
    Flow::Done
}

/// Line and column of increasing byte offsets in one text, counted
/// incrementally: a message may hold many headers, and a header many names.
#[derive(Clone)]
struct Position<'t> {
    text: &'t [u8],
    at: usize,
    line: u64,
    /// Column of `at`.
    column: u64,
}

impl<'t> Position<'t> {
    fn new(text: &'t [u8]) -> Self {
        Position {
            text,
            at: 0,
            line: 1,
            column: 1,
        }
    }

    fn of(&mut self, offset: usize) -> (u64, u64) {
        let offset = offset.min(self.text.len());
        if offset < self.at {
            *self = Position::new(self.text);
        }
        let stretch = &self.text[self.at..offset];
        match memchr::memrchr(b'\n', stretch) {
            Some(nl) => {
                self.line += count_newlines(stretch);
                self.column = 1 + count_chars(&stretch[nl + 1..]);
            }
            None => self.column += count_chars(stretch),
        }
        self.at = offset;
        (self.line, self.column)
    }
}

fn scan_headers(message: &mail_parser::Message<'_>, raw: &[u8], sink: &mut dyn SourceSink) {
    let mut position = Position::new(raw);
    for header in message.headers() {
        let name = header.name.as_str();
        if is_unscanned_header(name) {
            continue;
        }
        let (start, end) = (header.offset_start as usize, header.offset_end as usize);
        let Some(value) = raw.get(start..end) else {
            continue;
        };
        let (line, column) = position.of(start);
        let raw_text = String::from_utf8_lossy(value);
        // Encoded words (`=?utf-8?B?…?=`) are read decoded; positions then
        // count from the start of the header's value.
        let text: Cow<'_, str> = match &header.value {
            HeaderValue::Text(decoded) if raw_text.contains("=?") => {
                Cow::Borrowed(decoded.as_ref())
            }
            _ => raw_text,
        };
        let text = text.trim_end_matches(['\r', '\n']);
        // Display names are scanned below as segments of their own, in a
        // field named for a person; in the header's text they are blanked,
        // character for character, so that the `person-name` detector does
        // not report each name twice and what follows keeps its column.
        let names = match (&header.value, display_name_field(name)) {
            (HeaderValue::Address(address), Some(_)) => display_names(address),
            _ => Vec::new(),
        };
        let blanked;
        let text = if names.is_empty() {
            text
        } else {
            blanked = blank_display_names(text, &names);
            blanked.as_str()
        };
        sink.segment(&Segment {
            first_column: column,
            ..Segment::whole(text, line, Some(name))
        });
        if let (HeaderValue::Address(address), Some(field)) =
            (&header.value, display_name_field(name))
        {
            // A name written as is is found where it stands; an encoded
            // word is placed at the start of the header's value.
            let value_start = value
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(0);
            // Counted on from the header's start: names come in order, so
            // a header of many names is walked once.
            let header_position = position.clone();
            let mut name_position = header_position.clone();
            for display in display_names(address) {
                let at =
                    start + memchr::memmem::find(value, display.as_bytes()).unwrap_or(value_start);
                if at < name_position.at {
                    name_position = header_position.clone();
                }
                let (line, column) = name_position.of(at);
                sink.segment(&Segment {
                    first_column: column,
                    ..Segment::whole(display, line, Some(&field))
                });
            }
        }
    }
}

/// `text` (a raw address header) with `names` and every encoded word
/// (`=?utf-8?b?…?=`: only display names are encoded, never addresses)
/// replaced by blanks, one a character; line breaks stay.
fn blank_display_names(text: &str, names: &[&str]) -> String {
    let mut spans: Vec<(usize, usize)> = names
        .iter()
        .filter_map(|n| text.find(n).map(|at| (at, at + n.len())))
        .collect();
    let mut from = 0;
    while let Some(at) = text[from..].find("=?").map(|p| from + p) {
        // `=?charset?encoding?text?=`: the text starts after the second `?`.
        let rest = &text[at + 2..];
        let Some(end) = rest
            .match_indices('?')
            .nth(1)
            .and_then(|(q, _)| rest[q + 1..].find("?=").map(|e| at + 2 + q + 1 + e + 2))
        else {
            break;
        };
        spans.push((at, end));
        from = end;
    }
    text.char_indices()
        .map(|(i, c)| {
            let blank = c != '\n' && c != '\r' && spans.iter().any(|&(s, e)| (s..e).contains(&i));
            if blank {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn display_names<'a>(address: &'a Address<'_>) -> Vec<&'a str> {
    let addrs: Vec<&mail_parser::Addr<'_>> = match address {
        Address::List(list) => list.iter().collect(),
        Address::Group(groups) => groups.iter().flat_map(|g| g.addresses.iter()).collect(),
    };
    addrs
        .into_iter()
        .filter_map(|a| a.name.as_deref())
        .map(str::trim)
        // A lone word (`Касса`, `Бухгалтерия`, `Support`) names a desk as
        // often as a person; a person's name has a surname.
        .filter(|n| n.split_whitespace().count() >= 2)
        .collect()
}

/// Each attachment is a member read through the source dispatch; a
/// message's attachments are one level of nesting, like an archive's
/// members.
fn scan_attachments(
    message: &mail_parser::Message<'_>,
    raw: &[u8],
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) {
    if message.attachment_count() == 0 {
        return;
    }
    if node.depth >= ctx.opts.max_archive_depth {
        let _ = ctx.depth_notice(
            node,
            &format!(
                "attachments of a message nested deeper than {} (--max-archive-depth)",
                ctx.opts.max_archive_depth
            ),
            sink,
        );
        return;
    }
    let count = message.attachment_count();
    for (index, part) in message.attachments().enumerate() {
        if super::archive::stop_for_budget(index, count, node, ctx, sink) {
            break;
        }
        let bytes: &[u8] = match &part.body {
            // An attached message that is not transfer-encoded is a slice
            // of this one (mail-parser's copy of it is the whole outer
            // message, which would be read again and again).
            PartType::Message(_) if part.encoding == Encoding::None => raw
                .get(part.offset_body as usize..part.offset_end as usize)
                .unwrap_or_default(),
            _ => part.contents(),
        };
        let name = match part.attachment_name() {
            Some(name) => name.to_string(),
            None if part.is_message() => format!("{}.eml", index + 1),
            None => format!("{}", index + 1),
        };
        let child = node.member(&name, node.modified, Some(bytes.len() as u64));
        let _ = ctx.scan_stream(Box::new(bytes), &child, sink);
    }
}

/// Scans an mbox: each message (between `From ` separator lines, `>From `
/// unescaped) is a member `inbox.mbox!<n>`. Hand-split rather than with
/// mail-parser's mbox iterator, which holds a message of any size and a
/// line of any length in memory; here each is bounded.
pub(super) fn scan_mbox<R: Read>(
    reader: R,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn SourceSink,
) -> Flow {
    if node.depth >= ctx.opts.max_archive_depth {
        return ctx.depth_notice(
            node,
            &format!(
                "mbox nested deeper than {} (--max-archive-depth)",
                ctx.opts.max_archive_depth
            ),
            sink,
        );
    }
    let mut reader = io::BufReader::new(reader);
    let mut message = Vec::new();
    let mut line = Vec::new();
    let (mut number, mut oversized, mut started) = (0u64, false, false);
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MESSAGE_IN_MEMORY_LIMIT + 1)
            .read_until(b'\n', &mut line);
        let n = match read {
            Ok(n) => n,
            Err(e) => return ctx.report(e, &node.display, sink),
        };
        if n == 0 || line.starts_with(b"From ") {
            if started {
                if super::archive::stop_for_budget(number as usize, 0, node, ctx, sink) {
                    return Flow::Done;
                }
                number += 1;
                let child = node.member(
                    &number.to_string(),
                    node.modified,
                    Some(message.len() as u64),
                );
                if oversized {
                    sink.notice(too_large(&child.display));
                } else {
                    let _ = scan_message(&message, &child, ctx, sink);
                }
            }
            if n == 0 {
                return Flow::Done;
            }
            message.clear();
            (oversized, started) = (false, true);
            continue;
        }
        if !started || oversized {
            continue;
        }
        if message.len() + line.len() > MESSAGE_IN_MEMORY_LIMIT as usize {
            oversized = true;
            message = Vec::new();
            continue;
        }
        // mboxrd: one `>` is dropped from `>From ` and `>>From ` lines.
        let quoted = line.iter().take_while(|&&b| b == b'>').count();
        if quoted > 0 && line[quoted..].starts_with(b"From ") {
            message.extend_from_slice(&line[1..]);
        } else {
            message.extend_from_slice(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_blanked_in_place() {
        let header = " \"Петров Иван\" <ivan@mail.kz>,\r\n =?utf-8?b?0KHQtdC5?= <a@b.kz>";
        let blanked = blank_display_names(header, &["Петров Иван"]);
        assert_eq!(blanked.chars().count(), header.chars().count());
        assert!(
            !blanked.contains("Петров") && !blanked.contains("=?"),
            "{blanked}"
        );
        // Addresses keep their columns; the folded line stays a line.
        for kept in ["<ivan@mail.kz>,\r\n", " <a@b.kz>"] {
            let at = |t: &str| t[..t.find(kept).unwrap()].chars().count();
            assert_eq!(at(&blanked), at(header), "{kept}");
        }
    }

    #[test]
    fn mail_is_recognised_by_its_headers() {
        let eml = b"Received: from mx\r\n by host; Mon, 1 Jan 2024\r\nFrom: a@b.kz\r\nTo: c@d.kz\r\nSubject: x\r\n\r\nbody\r\n";
        assert_eq!(sniff(eml), Some(MailKind::Message));
        let mbox =
            b"From a@b.kz Mon Jan  1 00:00:00 2024\nFrom: a@b.kz\nDate: Mon, 1 Jan 2024\n\nhi\n";
        assert_eq!(sniff(mbox), Some(MailKind::Mbox));
        // Not mail: an HTTP response, a CSV, prose starting with "From".
        assert_eq!(
            sniff(b"HTTP/1.1 200 OK\nDate: x\nContent-Type: text/plain\n\n"),
            None
        );
        assert_eq!(sniff(b"Date: x\nContent-Type: text/plain\n\n"), None);
        assert_eq!(sniff(b"from,to,subject\na,b,c\n"), None);
        assert_eq!(
            sniff(b"From the start of time we\nhave kept lists.\n"),
            None
        );
        assert_eq!(sniff(b"Subject: only one header\n\nbody\n"), None);
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\nвгд\ne".as_bytes();
        let mut p = Position::new(text);
        assert_eq!(p.of(0), (1, 1));
        assert_eq!(p.of(3), (2, 1));
        assert_eq!(p.of(3 + 4), (2, 3));
        assert_eq!(p.of(text.len()), (3, 2));
        assert_eq!(p.of(1), (1, 2));
    }
}
