//! Running the real `tizim` binary with a deadline and a reading of its peak
//! memory (the reliability tests: hostile.rs, no_leaks.rs, untouched.rs).

use super::{isolate, parse_ndjson, tizim_bin, Report};
use serde_json::Value;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How one run of tizim ended.
#[derive(Debug)]
pub struct Outcome {
    pub args: Vec<String>,
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Terminating signal, when killed by one (SIGSEGV on stack overflow,
    /// SIGBUS on a shrunk mmap, SIGABRT on a double panic…).
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    /// Peak resident memory of tizim itself (VmHWM, see [`run_tizim`]).
    pub max_rss_kib: u64,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn describe(&self) -> String {
        let tail: String = {
            let s = &self.stderr;
            let cut = s.len().saturating_sub(2000);
            let cut = (cut..s.len()).find(|&i| s.is_char_boundary(i)).unwrap_or(0);
            s[cut..].to_string()
        };
        let first_panic = self
            .stderr
            .lines()
            .skip_while(|l| !l.contains("panicked at"))
            .take(2)
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "tizim {}\n  exit code {:?}, signal {:?}, {:.1}s, peak RSS {} MiB\n  first panic: {}\n  stderr (tail):\n{}",
            self.args.join(" "),
            self.code,
            self.signal,
            self.elapsed.as_secs_f64(),
            self.max_rss_kib / 1024,
            first_panic,
            tail
        )
    }

    /// The scan ended on its own terms: exit code 0 (nothing to report) or
    /// 1 (findings), no signal, no panic.
    pub fn assert_survived(&self) {
        assert!(
            self.signal.is_none(),
            "killed by signal {:?}:\n{}",
            self.signal,
            self.describe()
        );
        assert!(
            !self.stderr.contains("panicked"),
            "panicked:\n{}",
            self.describe()
        );
        assert!(
            matches!(self.code, Some(0) | Some(1)),
            "exit code must be 0 or 1:\n{}",
            self.describe()
        );
    }

    pub fn assert_rss_below_mib(&self, limit_mib: u64) {
        assert!(
            self.max_rss_kib > 0,
            "no reading of tizim's peak memory (no summary line, and the monitor never saw it \
             alive): nothing to compare with {limit_mib} MiB:\n{}",
            self.describe()
        );
        assert!(
            self.max_rss_kib < limit_mib * 1024,
            "peak RSS {} MiB is not below {limit_mib} MiB:\n{}",
            self.max_rss_kib / 1024,
            self.describe()
        );
    }

    /// The `--format json` report document.
    pub fn report(&self) -> Report {
        Report::parse(&self.stdout).unwrap_or_else(|e| panic!("{e}\n{}", self.describe()))
    }

    /// The findings of a `--format ndjson` run, one a line.
    pub fn findings(&self) -> Vec<Value> {
        parse_ndjson(&self.stdout_str())
    }
}

/// Runs tizim in `cwd` with a deadline. A run past the deadline is killed
/// and fails the test as a hang.
///
/// Peak memory: neither `assert_cmd` (its `timeout` reaps with waitpid) nor
/// getrusage(RUSAGE_CHILDREN) (shared by every test running in parallel)
/// can tell one child's peak, and even wait4(2)'s `ru_maxrss` cannot: Linux
/// carries the high-water mark of the memory the child had *before* exec,
/// which after vfork is this test process's, tens of MiB of test data.
/// So the loop that waits for the child also reads `VmHWM` (the high-water
/// mark of tizim's own address space, monotone) from /proc every 5 ms, and
/// takes the larger of that and tizim's own reading in its summary line
/// (`peak memory 12.05 MiB`, VmHWM read by tizim as it finishes): on a
/// loaded machine the polling thread can be starved for a whole run, and
/// the summary is exact up to the moment it is printed. Zero means neither
/// was seen ([`Outcome::assert_rss_below_mib`] then fails).
pub fn run_tizim<I, S>(args: I, cwd: &Path, timeout: Duration) -> Outcome
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_tizim_env(args, cwd, timeout, &[])
}

/// [`run_tizim`] with extra environment variables. The caller's git and
/// tizim settings are kept out ([`isolate`]; `TIZIM_FINGERPRINT_KEY` too,
/// unless given here), so runs do not depend on the caller's shell.
pub fn run_tizim_env<I, S>(args: I, cwd: &Path, timeout: Duration, env: &[(&str, &str)]) -> Outcome
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let printable: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut out = tempfile::tempfile().expect("stdout file");
    let mut err = tempfile::tempfile().expect("stderr file");
    let started = Instant::now();
    let mut command = Command::new(tizim_bin());
    isolate(&mut command);
    let child = command
        .args(&args)
        .current_dir(cwd)
        .env("RUST_BACKTRACE", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("dup stdout"))
        .stderr(err.try_clone().expect("dup stderr"))
        .spawn()
        .expect("spawn tizim");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    let mut timed_out = false;
    let mut peak_kib = 0u64;
    let status_file = format!("/proc/{pid}/status");
    loop {
        if let Some(hwm) = read_vm_hwm_kib(&status_file) {
            peak_kib = peak_kib.max(hwm);
        }
        // SAFETY: plain syscall on our own child's pid with valid out-pointers.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        assert!(
            r == 0,
            "waitpid failed: {}",
            std::io::Error::last_os_error()
        );
        if started.elapsed() > timeout {
            timed_out = true;
            // SAFETY: signalling and reaping our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed();
    drop(child);
    let read_all = |f: &mut File| {
        let mut v = Vec::new();
        f.seek(SeekFrom::Start(0)).expect("rewind");
        f.read_to_end(&mut v).expect("read output");
        v
    };
    let stderr = String::from_utf8_lossy(&read_all(&mut err)).into_owned();
    let outcome = Outcome {
        args: printable,
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: (libc::WIFSIGNALED(status) && !timed_out).then(|| libc::WTERMSIG(status)),
        stdout: read_all(&mut out),
        max_rss_kib: peak_kib.max(self_reported_peak_kib(&stderr).unwrap_or(0)),
        stderr,
        elapsed,
    };
    // Shown with --nocapture (and on failure): what each run cost.
    eprintln!(
        "[tizim {}] exit {:?}, {:.2}s, peak RSS {:.1} MiB",
        outcome.args.join(" "),
        outcome.code,
        outcome.elapsed.as_secs_f64(),
        outcome.max_rss_kib as f64 / 1024.0
    );
    assert!(
        !timed_out,
        "HANG: no exit within {timeout:?}, killed:\n{}",
        outcome.describe()
    );
    outcome
}

/// The peak tizim reports in its summary line: `peak memory 12.05 MiB`.
fn self_reported_peak_kib(stderr: &str) -> Option<u64> {
    let at = stderr.rfind("; peak memory ")?;
    let mut words = stderr[at + "; peak memory ".len()..].split_whitespace();
    let number: f64 = words.next()?.parse().ok()?;
    let unit = match words.next()? {
        "B" => 1.0 / 1024.0,
        "KiB" => 1.0,
        "MiB" => 1024.0,
        "GiB" => 1024.0 * 1024.0,
        _ => return None,
    };
    Some((number * unit).ceil() as u64)
}

/// `VmHWM` from /proc/PID/status, in KiB; None once the process is gone
/// (or is a zombie, which has no address space left).
fn read_vm_hwm_kib(status_file: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_file).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
