//! Walk stage: finds the files to scan, in parallel, with the `ignore` crate.
//!
//! Paths named explicitly (arguments that are files, `--files-from`) are
//! scanned as given, like ripgrep does, without ignore rules; directories
//! are walked with `.gitignore` / `.ignore` (inside git work trees), hidden
//! files, globs and symlink rules applied. Special files (FIFOs, sockets,
//! devices) are never opened: they are counted as skipped.

use crate::model::{ScanError, SkipReason};
use ignore::overrides::OverrideBuilder;
use std::fs::{FileType, Metadata};
use std::io::{self, BufRead};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Honour `.gitignore` / `.ignore` (inside a git work tree). `--no-ignore` clears it.
    pub respect_ignore: bool,
    /// Enter hidden files and directories (`--hidden`).
    pub hidden: bool,
    /// Follow symlinks (`--follow`); loops are reported, not looped.
    pub follow: bool,
    /// Skip files larger than this many bytes (`--max-filesize`).
    pub max_filesize: Option<u64>,
    /// Include / exclude globs (`--glob`, `!` prefix excludes), gitignore syntax.
    pub globs: Vec<String>,
    /// Worker threads; 0 picks the number of cores.
    pub threads: usize,
    /// Read the list of paths from this file, or stdin for `-` (`--files-from`).
    pub files_from: Option<PathBuf>,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            respect_ignore: true,
            hidden: false,
            follow: false,
            max_filesize: None,
            globs: Vec::new(),
            threads: 0,
            files_from: None,
        }
    }
}

/// What the walker reports.
#[derive(Debug, Clone)]
pub enum WalkEvent {
    /// A regular file to scan. `display` is the path as reached from the
    /// argument, the way ripgrep prints it.
    File {
        path: PathBuf,
        display: String,
    },
    Skipped {
        display: String,
        reason: SkipReason,
    },
    Error(ScanError),
}

/// Checks the options that can be wrong before any file is touched (globs).
pub fn validate(opts: &WalkOptions) -> Result<(), String> {
    overrides(opts).map(|_| ())
}

fn overrides(opts: &WalkOptions) -> Result<ignore::overrides::Override, String> {
    let mut builder =
        OverrideBuilder::new(std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")));
    for glob in &opts.globs {
        builder
            .add(glob)
            .map_err(|e| format!("--glob {glob:?}: {e}"))?;
    }
    builder.build().map_err(|e| format!("--glob: {e}"))
}

/// Walks `roots` on `opts.threads` threads, calling `visit` from all of them.
pub fn walk(roots: &[PathBuf], opts: &WalkOptions, visit: &(dyn Fn(WalkEvent) + Sync)) {
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let mut explicit_files = Vec::new();
    let mut dirs = Vec::new();
    let listed = match &opts.files_from {
        Some(list) => match read_path_list(list) {
            Ok(paths) => paths,
            Err(e) => {
                visit(WalkEvent::Error(ScanError {
                    path: list.display().to_string(),
                    message: format!("cannot read --files-from list: {e}"),
                }));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    for root in roots.iter().chain(&listed) {
        // Named paths are followed even without --follow, like ripgrep.
        match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => dirs.push(root.clone()),
            Ok(m) => explicit_files.push((root.clone(), m)),
            Err(e) => visit(io_event(root, &e)),
        }
    }
    if !explicit_files.is_empty() {
        scan_explicit(&explicit_files, opts, threads, visit);
    }
    if !dirs.is_empty() {
        walk_dirs(&dirs, opts, threads, visit);
    }
}

/// One path a line; blank lines and a trailing `\r` are ignored.
fn read_path_list(list: &Path) -> io::Result<Vec<PathBuf>> {
    let reader: Box<dyn BufRead> = if list == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        Box::new(io::BufReader::new(std::fs::File::open(list)?))
    };
    let mut paths = Vec::new();
    for line in reader.split(b'\n') {
        let line = line?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if line.is_empty() {
            continue;
        }
        #[cfg(unix)]
        paths.push(PathBuf::from(
            <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(line),
        ));
        #[cfg(not(unix))]
        paths.push(PathBuf::from(String::from_utf8_lossy(line).into_owned()));
    }
    Ok(paths)
}

/// Named files go straight to the workers: no ignore rules, no directory
/// reads, and a list of a million paths costs no more than a million stats.
fn scan_explicit(
    files: &[(PathBuf, Metadata)],
    opts: &WalkOptions,
    threads: usize,
    visit: &(dyn Fn(WalkEvent) + Sync),
) {
    let handle = |(path, meta): &(PathBuf, Metadata)| {
        let display = path.display().to_string();
        visit(classify(
            path.clone(),
            display,
            meta.file_type(),
            || Ok(meta.len()),
            opts,
        ));
    };
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(|| {
            use rayon::prelude::*;
            files.par_iter().for_each(handle);
        }),
        Err(_) => files.iter().for_each(handle),
    }
}

/// Turns a file type into the event to report.
fn classify(
    path: PathBuf,
    display: String,
    file_type: FileType,
    len: impl FnOnce() -> io::Result<u64>,
    opts: &WalkOptions,
) -> WalkEvent {
    if !file_type.is_file() {
        return WalkEvent::Skipped {
            display,
            reason: SkipReason::Special,
        };
    }
    if let Some(max) = opts.max_filesize {
        match len() {
            Ok(n) if n > max => {
                return WalkEvent::Skipped {
                    display,
                    reason: SkipReason::TooLarge,
                }
            }
            Ok(_) => {}
            Err(e) => return io_event(&path, &e),
        }
    }
    WalkEvent::File { path, display }
}

fn io_event(path: &Path, err: &io::Error) -> WalkEvent {
    if err.raw_os_error() == Some(libc::ELOOP) {
        return WalkEvent::Skipped {
            display: path.display().to_string(),
            reason: SkipReason::SymlinkLoop,
        };
    }
    WalkEvent::Error(ScanError {
        path: path.display().to_string(),
        message: err.to_string(),
    })
}

fn walk_dirs(
    dirs: &[PathBuf],
    opts: &WalkOptions,
    threads: usize,
    visit: &(dyn Fn(WalkEvent) + Sync),
) {
    let mut builder = ignore::WalkBuilder::new(&dirs[0]);
    for d in &dirs[1..] {
        builder.add(d);
    }
    builder
        .hidden(!opts.hidden)
        .follow_links(opts.follow)
        .parents(opts.respect_ignore)
        .ignore(opts.respect_ignore)
        .git_ignore(opts.respect_ignore)
        .git_global(opts.respect_ignore)
        .git_exclude(opts.respect_ignore)
        .threads(threads);
    match overrides(opts) {
        Ok(o) => {
            builder.overrides(o);
        }
        Err(message) => {
            visit(WalkEvent::Error(ScanError {
                path: String::new(),
                message,
            }));
            return;
        }
    }
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    if let Some(event) = entry_event(entry, opts) {
                        visit(event);
                    }
                }
                Err(err) => visit(walk_error(err)),
            }
            ignore::WalkState::Continue
        })
    });
}

fn entry_event(entry: ignore::DirEntry, opts: &WalkOptions) -> Option<WalkEvent> {
    let file_type = entry.file_type()?;
    // Without --follow, links are not files to read (ripgrep's rule).
    if file_type.is_dir() || file_type.is_symlink() {
        return None;
    }
    let display = entry.path().display().to_string();
    let len = || {
        entry.metadata().map(|m| m.len()).map_err(|e| {
            e.into_io_error()
                .unwrap_or_else(|| io::Error::other("no metadata"))
        })
    };
    let event = classify(entry.path().to_path_buf(), display, file_type, len, opts);
    Some(event)
}

/// Maps a walker error to an event: loops are skips with a reason, the rest errors.
fn walk_error(err: ignore::Error) -> WalkEvent {
    let mut path = None;
    let mut current = &err;
    loop {
        match current {
            ignore::Error::WithPath { path: p, err } => {
                path.get_or_insert(p.clone());
                current = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                current = err
            }
            ignore::Error::Loop { child, .. } => {
                return WalkEvent::Skipped {
                    display: child.display().to_string(),
                    reason: SkipReason::SymlinkLoop,
                }
            }
            ignore::Error::Io(io_err) if io_err.raw_os_error() == Some(libc::ELOOP) => {
                return WalkEvent::Skipped {
                    display: path.map(|p| p.display().to_string()).unwrap_or_default(),
                    reason: SkipReason::SymlinkLoop,
                }
            }
            _ => break,
        }
    }
    WalkEvent::Error(ScanError {
        path: path.map(|p| p.display().to_string()).unwrap_or_default(),
        message: current.to_string(),
    })
}
