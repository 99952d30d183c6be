//! Zip and tar archives: every member is scanned as a stream of its own,
//! named `outer!inner`. Nothing is ever extracted to disk; member names
//! (absolute, `..`) are only names.

use super::compress::{CompressedSize, Limited};
use super::{Ctx, Flow, Node};
use crate::model::{Notice, ScanError, SkipReason};
use std::io::{Read, Seek};

/// Zip needs random access. A zip found inside a stream (a gzip, another
/// archive's member) is read into memory, up to this size.
pub const ZIP_IN_MEMORY_LIMIT: u64 = 64 << 20;

/// Scans every member of a zip archive. A member that cannot be read is
/// reported and the next one is tried: the central directory makes each
/// member independent.
pub(super) fn scan_zip<R: Read + Seek>(
    reader: R,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn super::SourceSink,
) -> Flow {
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            sink.error(ScanError {
                path: node.display.clone(),
                message: format!("not a readable zip archive: {e}"),
            });
            return Flow::InputFailed;
        }
    };
    if let Some(kind) = super::office::package_kind(&mut archive) {
        return super::office::scan_package(archive, kind, node, ctx, sink);
    }
    let count = archive.len();
    for index in 0..count {
        if stop_for_budget(index, count, node, ctx, sink) {
            break;
        }
        let name = archive
            .name_for_index(index)
            .map_or_else(|| format!("#{index}"), str::to_string);
        let mut member = match archive.by_index(index) {
            Ok(m) => m,
            Err(e) => {
                sink.error(ScanError {
                    path: format!("{}!{name}", node.display),
                    message: format!("zip member not readable: {e}"),
                });
                continue;
            }
        };
        if member.is_dir() || member.is_symlink() {
            continue;
        }
        let modified = member.last_modified().and_then(zip_time_to_unix);
        let child = node.member(&name, modified, Some(member.size()));
        let compressed = member.compressed_size();
        let stored = member.compression() == zip::CompressionMethod::Stored;
        let reader: Box<dyn Read + '_> = if stored {
            Box::new(&mut member)
        } else {
            Box::new(Limited::new(
                &mut member,
                &ctx.budget,
                CompressedSize::Known(compressed),
            ))
        };
        // A broken member does not break the archive: go on with the next.
        let _ = ctx.scan_stream(reader, &child, sink);
    }
    Flow::Done
}

/// Scans a tar stream member by member. Tar has no index: once its stream
/// fails, nothing after can be found.
pub(super) fn scan_tar<R: Read>(
    reader: R,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn super::SourceSink,
) -> Flow {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return ctx.report(e, &node.display, sink),
    };
    for (index, entry) in entries.enumerate() {
        if stop_for_budget(index, 0, node, ctx, sink) {
            return Flow::Done;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => return ctx.report(e, &node.display, sink),
        };
        use tar::EntryType;
        match entry.header().entry_type() {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {}
            _ => continue,
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        // v7 tars mark directories only by a trailing slash.
        if name.ends_with('/') {
            continue;
        }
        let modified = entry
            .header()
            .mtime()
            .ok()
            .and_then(|t| i64::try_from(t).ok());
        let size = entry.header().size().ok();
        let child = node.member(&name, modified, size);
        if ctx.scan_stream(Box::new(&mut entry), &child, sink) == Flow::InputFailed {
            // The member's bytes are the tar stream's bytes: it failed too.
            return Flow::InputFailed;
        }
    }
    Flow::Done
}

/// Once a file's decompression allowance is spent, the remaining members
/// are reported in one notice instead of being opened one by one.
pub(super) fn stop_for_budget(
    index: usize,
    count: usize,
    node: &Node,
    ctx: &Ctx,
    sink: &mut dyn super::SourceSink,
) -> bool {
    let Some(reason) = ctx.budget.exhausted() else {
        return false;
    };
    let rest = if count > index {
        format!("{} remaining members", count - index)
    } else {
        "the remaining members".to_string()
    };
    sink.notice(Notice {
        path: node.display.clone(),
        line: None,
        reason: Some(reason),
        message: format!("decompression limit for this file reached; {rest} not scanned"),
    });
    true
}

/// Zip stores local time without a zone; it is read as UTC, which is close
/// enough for retention checks counted in days.
pub(crate) fn zip_time_to_unix(t: zip::DateTime) -> Option<i64> {
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::from(t.year()),
        u32::from(t.month()),
        u32::from(t.day()),
    )?;
    let time = date.and_hms_opt(
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()),
    )?;
    Some(time.and_utc().timestamp())
}

/// The member is larger than can be held for random access.
pub(super) fn zip_too_large_notice(node: &Node) -> Notice {
    Notice {
        path: node.display.clone(),
        line: None,
        reason: Some(SkipReason::SizeLimit),
        message: format!(
            "zip archive inside a stream is larger than {}; it is not opened",
            super::compress::human_size(ZIP_IN_MEMORY_LIMIT)
        ),
    }
}
