//! Progress on stderr while a scan runs, and the summary after it.
//!
//! The bar is drawn only when stderr is a terminal and `--quiet` is off; the
//! summary is printed whenever `--quiet` is off, so logs of CI runs keep it.

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tizim::model::{Finding, Stats};
use tizim::scan::FindingSink;

/// Wraps the real finding sink and counts what passes through it.
pub struct Tracked<'s> {
    inner: &'s dyn FindingSink,
    bar: ProgressBar,
    started: Instant,
    files: AtomicU64,
    bytes: AtomicU64,
    findings: AtomicU64,
    /// Database tables done and the rows read from them.
    tables: AtomicU64,
    rows: AtomicU64,
    /// Milliseconds since `started` of the last message update: updates are
    /// rate-limited so thousands of small files do not format thousands of messages.
    last_update_ms: AtomicU64,
}

const UPDATE_EVERY_MS: u64 = 100;

impl<'s> Tracked<'s> {
    pub fn new(inner: &'s dyn FindingSink, show_bar: bool) -> Self {
        let bar = if show_bar {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(UPDATE_EVERY_MS));
            bar
        } else {
            ProgressBar::hidden()
        };
        Tracked {
            inner,
            bar,
            started: Instant::now(),
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            findings: AtomicU64::new(0),
            tables: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            last_update_ms: AtomicU64::new(0),
        }
    }

    fn update(&self, force: bool) {
        if self.bar.is_hidden() {
            return;
        }
        let elapsed = self.started.elapsed();
        let now_ms = elapsed.as_millis() as u64;
        let last = self.last_update_ms.load(Ordering::Relaxed);
        if !force
            && (now_ms < last + UPDATE_EVERY_MS
                || self
                    .last_update_ms
                    .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err())
        {
            return;
        }
        let bytes = self.bytes.load(Ordering::Relaxed);
        let mut message = format!(
            "{} files, {}, {} findings, {}/s",
            self.files.load(Ordering::Relaxed),
            HumanBytes(bytes),
            self.findings.load(Ordering::Relaxed),
            HumanBytes(rate(bytes, elapsed)),
        );
        let tables = self.tables.load(Ordering::Relaxed);
        if tables > 0 {
            let rows = self.rows.load(Ordering::Relaxed);
            message.push_str(&format!(
                "; {tables} tables, {rows} rows, {} rows/s",
                rate(rows, elapsed)
            ));
        }
        self.bar.set_message(message);
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl FindingSink for Tracked<'_> {
    fn finding(&self, finding: Finding) {
        if finding.suppressed.is_none() {
            self.findings.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.finding(finding);
    }

    fn findings(&self, batch: &mut Vec<Finding>) {
        let live = batch.iter().filter(|f| f.suppressed.is_none()).count();
        self.findings.fetch_add(live as u64, Ordering::Relaxed);
        self.inner.findings(batch);
    }

    fn file_done(&self, stats: &Stats) {
        self.files.fetch_add(stats.files_scanned, Ordering::Relaxed);
        self.bytes.fetch_add(stats.bytes_scanned, Ordering::Relaxed);
        self.tables
            .fetch_add(stats.tables_scanned, Ordering::Relaxed);
        self.rows.fetch_add(stats.rows_read, Ordering::Relaxed);
        self.inner.file_done(stats);
        self.update(false);
    }
}

fn rate(bytes: u64, elapsed: Duration) -> u64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        (bytes as f64 / secs) as u64
    } else {
        0
    }
}

/// The end-of-scan summary, one line:
/// `scanned 12 files (1.20 MiB) in 0.05 s, 24.00 MiB/s; 3 findings; skipped: binary 2, special 1; errors: 1`.
pub fn summary_line(stats: &Stats) -> String {
    let elapsed = Duration::from_millis(stats.elapsed_ms);
    let mut line = format!(
        "scanned {} files ({}) in {:.2} s, {}/s; {} findings",
        stats.files_scanned,
        HumanBytes(stats.bytes_scanned),
        elapsed.as_secs_f64(),
        HumanBytes(rate(stats.bytes_scanned, elapsed)),
        stats.findings,
    );
    if stats.suppressed > 0 {
        line.push_str(&format!(" ({} suppressed)", stats.suppressed));
    }
    if stats.tables_scanned > 0 {
        line.push_str(&format!(
            "; {} database tables, {} rows read of ~{} ({} rows/s)",
            stats.tables_scanned,
            stats.rows_read,
            stats.rows_estimated,
            rate(stats.rows_read, elapsed)
        ));
    }
    if !stats.skipped.is_empty() {
        let parts: Vec<String> = stats
            .skipped
            .iter()
            .map(|(reason, n)| format!("{reason} {n}"))
            .collect();
        line.push_str(&format!("; skipped: {}", parts.join(", ")));
    }
    if stats.errors > 0 {
        line.push_str(&format!("; errors: {}", stats.errors));
    }
    line
}

/// This process's peak resident memory (`VmHWM`), where the OS tells it.
/// Read from /proc rather than `getrusage`, whose figure includes the
/// memory of the parent that spawned us (Linux carries it over `exec`).
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `peak memory 7.04 MiB`, or nothing where it cannot be known.
pub fn peak_memory_note() -> String {
    peak_memory()
        .map(|b| format!("; peak memory {}", HumanBytes(b)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_every_skip_reason_and_errors() {
        let mut stats = Stats {
            files_scanned: 3,
            bytes_scanned: 2048,
            findings: 4,
            errors: 1,
            elapsed_ms: 1000,
            ..Stats::default()
        };
        stats.skip(tizim::model::SkipReason::Binary);
        stats.skip(tizim::model::SkipReason::Binary);
        stats.skip(tizim::model::SkipReason::Special);
        assert_eq!(
            summary_line(&stats),
            "scanned 3 files (2.00 KiB) in 1.00 s, 2.00 KiB/s; 4 findings; skipped: binary 2, special 1; errors: 1"
        );
    }
}
