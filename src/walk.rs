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
        /// What the walker already read of the file (its size and times),
        /// so that the scan need not ask the file system again.
        metadata: Option<Metadata>,
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
        // Largest first, as for walked files (see `LargestFirst`).
        explicit_files.sort_by_key(|(path, meta)| std::cmp::Reverse(weight(path, meta.len())));
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
        visit(classify(
            path.clone(),
            display_string(path),
            Some(meta.clone()),
            meta.file_type(),
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
    metadata: Option<Metadata>,
    file_type: FileType,
    opts: &WalkOptions,
) -> WalkEvent {
    if !file_type.is_file() {
        return WalkEvent::Skipped {
            display,
            reason: SkipReason::Special,
        };
    }
    // An unknown size passes: opening the file reports why it is unreadable.
    if let (Some(max), Some(meta)) = (opts.max_filesize, &metadata) {
        if meta.len() > max {
            return WalkEvent::Skipped {
                display,
                reason: SkipReason::TooLarge,
            };
        }
    }
    WalkEvent::File {
        path,
        display,
        metadata,
    }
}

/// A path as findings show it; `Path::display` formats through the lossy
/// UTF-8 machinery, which showed in profiles of trees of small files.
fn display_string(path: &Path) -> String {
    match path.to_str() {
        Some(s) => s.to_owned(),
        None => path.display().to_string(),
    }
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
    // The walker threads only find files; `threads` scanners take them
    // from a queue, largest first. Scanning each file as the walker met it
    // left one core idle at the end of most runs while the other finished
    // a big dump found last (1 → 2 threads gave 1.79×; see BENCHMARKS.md).
    let queue = LargestFirst::new(QUEUE_CAPACITY);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let _leaving = queue.leave_on_panic();
                while let Some(event) = queue.pop() {
                    visit(event);
                }
            });
        }
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(entry) => match entry_event(entry, opts) {
                        Some((event @ WalkEvent::File { .. }, weight)) => queue.push(event, weight),
                        Some((event, _)) => visit(event),
                        None => {}
                    },
                    Err(err) => visit(walk_error(err)),
                }
                ignore::WalkState::Continue
            })
        });
        queue.close();
    });
}

/// Files found but not yet scanned, at most this many: the queue's memory
/// stays small on a tree of millions, and largest-first still has a wide
/// window to choose from.
const QUEUE_CAPACITY: usize = 8192;

/// A bounded queue of files that hands out the one with the most work
/// first (longest-processing-time-first scheduling: the last file to
/// finish is a small one, so no core waits long at the end).
struct LargestFirst {
    state: std::sync::Mutex<QueueState>,
    /// Signalled when a file is queued or the queue closes.
    filled: std::sync::Condvar,
    /// Signalled when a file is taken or the scanners are gone.
    drained: std::sync::Condvar,
    capacity: usize,
}

#[derive(Default)]
struct QueueState {
    waiting: std::collections::BinaryHeap<Queued>,
    /// Order of arrival: equal weights go first come, first served.
    arrivals: u64,
    closed: bool,
    /// A scanner panicked: the walk must not wait for room that never comes.
    abandoned: bool,
    /// Threads blocked on `filled` (scanners) and on `drained` (walkers).
    /// A condition variable's notify is a system call whether or not anyone
    /// waits; notifying only when someone does took two `futex` calls a
    /// file out of a scan of a tree of small files (34,000 on 16,000 files).
    scanners_waiting: usize,
    walkers_waiting: usize,
}

struct Queued {
    weight: u64,
    arrival: u64,
    /// Boxed: the heap moves its entries as it sifts, and an event with its
    /// path, display string and metadata is ~250 bytes (`BinaryHeap::pop`
    /// was 2 % of a scan of a tree of small files).
    event: Box<WalkEvent>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.weight, self.arrival) == (other.weight, other.arrival)
    }
}

impl Eq for Queued {}

impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Heaviest first; among equals, the earliest.
        self.weight
            .cmp(&other.weight)
            .then(other.arrival.cmp(&self.arrival))
    }
}

impl LargestFirst {
    fn new(capacity: usize) -> Self {
        LargestFirst {
            state: std::sync::Mutex::new(QueueState::default()),
            filled: std::sync::Condvar::new(),
            drained: std::sync::Condvar::new(),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, event: WalkEvent, weight: u64) {
        let mut state = self.lock();
        if state.waiting.len() >= self.capacity {
            while state.waiting.len() > self.capacity / 2 && !state.abandoned {
                state.walkers_waiting += 1;
                state = self.drained.wait(state).unwrap_or_else(|e| e.into_inner());
                state.walkers_waiting -= 1;
            }
        }
        if state.abandoned {
            return;
        }
        let arrival = state.arrivals;
        state.arrivals += 1;
        state.waiting.push(Queued {
            weight,
            arrival,
            event: Box::new(event),
        });
        let wake = state.scanners_waiting > 0;
        drop(state);
        if wake {
            self.filled.notify_one();
        }
    }

    /// The heaviest file waiting; `None` once the walk is over and nothing waits.
    fn pop(&self) -> Option<WalkEvent> {
        let mut state = self.lock();
        loop {
            if let Some(next) = state.waiting.pop() {
                // The walk waits for the queue to be half empty, not for one
                // free place: woken at each pop, it queued one file and slept
                // again, a `futex` wake and two context switches a file
                // once the queue had filled (9 % of a one-thread scan of a
                // tree of small files went to that).
                let wake = state.walkers_waiting > 0 && state.waiting.len() <= self.capacity / 2;
                drop(state);
                if wake {
                    self.drained.notify_all();
                }
                return Some(*next.event);
            }
            if state.closed {
                return None;
            }
            state.scanners_waiting += 1;
            state = self.filled.wait(state).unwrap_or_else(|e| e.into_inner());
            state.scanners_waiting -= 1;
        }
    }

    /// No more files will come.
    fn close(&self) {
        self.lock().closed = true;
        self.filled.notify_all();
    }

    fn leave_on_panic(&self) -> LeaveOnPanic<'_> {
        LeaveOnPanic(self)
    }
}

/// Held by each scanner: if it unwinds, the walk stops waiting for room
/// (the panic itself resurfaces when the scope joins the thread).
struct LeaveOnPanic<'q>(&'q LargestFirst);

impl Drop for LeaveOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().abandoned = true;
            self.0.drained.notify_all();
        }
    }
}

/// How much work a file is likely to be, for the scanning order: its size,
/// times four when compressed (it expands as it is scanned).
fn weight(path: &Path, len: u64) -> u64 {
    let compressed = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "gz" | "tgz" | "bz2" | "xz" | "zst" | "zip" | "xlsx"
        )
    });
    if compressed {
        len.saturating_mul(4)
    } else {
        len
    }
}

/// The event for a walked entry, and the file's [`weight`].
fn entry_event(entry: ignore::DirEntry, opts: &WalkOptions) -> Option<(WalkEvent, u64)> {
    let file_type = entry.file_type()?;
    // Without --follow, links are not files to read (ripgrep's rule).
    if file_type.is_dir() || file_type.is_symlink() {
        return None;
    }
    let display = display_string(entry.path());
    // An unreadable size is the scan's error to report, when it opens the file.
    let metadata = entry.metadata().ok();
    let size = metadata.as_ref().map_or(0, Metadata::len);
    let event = classify(
        entry.path().to_path_buf(),
        display,
        metadata,
        file_type,
        opts,
    );
    Some((event, weight(entry.path(), size)))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> WalkEvent {
        WalkEvent::File {
            path: PathBuf::from(name),
            display: name.to_string(),
            metadata: None,
        }
    }

    fn name(event: WalkEvent) -> String {
        match event {
            WalkEvent::File { display, .. } => display,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_queue_hands_out_the_heaviest_first_and_ends_when_closed() {
        let queue = LargestFirst::new(16);
        for (n, w) in [("small", 1), ("big", 100), ("mid-a", 10), ("mid-b", 10)] {
            queue.push(file(n), w);
        }
        queue.close();
        let order: Vec<String> = std::iter::from_fn(|| queue.pop()).map(name).collect();
        assert_eq!(order, ["big", "mid-a", "mid-b", "small"]);
    }

    #[test]
    fn a_full_queue_makes_the_walker_wait_for_the_scanners() {
        let queue = LargestFirst::new(2);
        let taken = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            s.spawn(|| {
                while let Some(e) = queue.pop() {
                    taken.lock().unwrap().push(name(e));
                }
            });
            for i in 0..100 {
                queue.push(file(&format!("f{i}")), i);
                assert!(queue.lock().waiting.len() <= 2);
            }
            queue.close();
        });
        assert_eq!(taken.into_inner().unwrap().len(), 100);
    }

    #[test]
    fn compressed_files_weigh_more_than_their_size() {
        assert_eq!(weight(Path::new("a.log"), 10), 10);
        assert_eq!(weight(Path::new("a.log.GZ"), 10), 40);
        assert_eq!(weight(Path::new("backup.zip"), u64::MAX), u64::MAX);
    }
}
