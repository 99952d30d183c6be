//! Walk stage: finds the files to scan, in parallel, with the `ignore` crate.

use crate::model::{ScanError, SkipReason};
use std::path::PathBuf;

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

/// Walks `roots` on `opts.threads` threads, calling `visit` from all of them.
pub fn walk(roots: &[PathBuf], opts: &WalkOptions, visit: &(dyn Fn(WalkEvent) + Sync)) {
    // SKELETON: the full walker (files-from, special files, loops) replaces this.
    let Some((first, rest)) = roots.split_first() else {
        return;
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(!opts.hidden)
        .follow_links(opts.follow)
        .git_ignore(opts.respect_ignore)
        .ignore(opts.respect_ignore)
        .threads(opts.threads);
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => visit(WalkEvent::File {
                    display: e.path().display().to_string(),
                    path: e.into_path(),
                }),
                Ok(_) => {}
                Err(err) => visit(WalkEvent::Error(ScanError {
                    path: String::new(),
                    message: err.to_string(),
                })),
            }
            ignore::WalkState::Continue
        })
    });
}
