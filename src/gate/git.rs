//! Scanning what git says was added: the index (`--staged`), a range
//! (`--since REV`) or the whole history (`--git`).
//!
//! Uses the git CLI (`std::process::Command`): it is on every CI runner and
//! developer machine, and its diff machinery (rename detection, combined
//! merge diffs, `.gitattributes`) is what users expect; a git library would
//! add a large dependency for the same output.
//!
//! * `--staged`: `git diff --cached`, i.e. the index against `HEAD`.
//! * `--since REV`: `git diff REV...HEAD`, the diff from the merge base of
//!   REV and HEAD to HEAD: exactly what a pull request based on REV adds.
//!   Uncommitted changes are not included.
//! * `--git`: `git log --all -p --cc --reverse`: every commit reachable from
//!   any ref, oldest first. Ordinary commits are diffed against their parent;
//!   merges as dense combined diffs, of which only lines present in *no*
//!   parent are scanned (what the merge itself introduced, e.g. while
//!   resolving a conflict): lines a merge brings from a side branch were
//!   already scanned in that branch's commits. Findings carry `commit` and
//!   `author_date`, and are de-duplicated by fingerprint + path, keeping the
//!   earliest commit.
//!
//! Only added lines are scanned, each run of consecutive added lines as one
//! [`Segment`] whose `first_line` is its line in the new file, so findings
//! point at real lines. Renames are detected (`-M`): a renamed file is not
//! reported again. Files git treats as binary (archives, compressed dumps,
//! UTF-16 text) are read whole from their blob by the source stage, and
//! findings whose value was already in the old blob are dropped.

use crate::detect::{Engine, FingerprintKey};
use crate::model::{FileMeta, Finding, Notice, ScanError, Segment, SkipReason};
use crate::scan::{FileScanner, FindingSink, ScanOptions, ScanSummary};
use crate::source::{self, decode, SourceSink};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Which added lines to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitScope {
    /// Lines added in the index (`--staged`).
    Staged,
    /// Lines added since the merge base with this revision (`--since REV`).
    Since(String),
    /// Lines added by every commit in the history (`--git`).
    History,
}

/// The repository to scan and the paths inside it to limit the scan to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitTarget {
    /// The work tree's top level (or the git directory of a bare repository).
    pub toplevel: PathBuf,
    pub bare: bool,
    /// Paths relative to `toplevel`; empty means the whole repository.
    pub pathspecs: Vec<String>,
}

/// Something that stops a git scan altogether (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitError(pub String);

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GitError {}

/// A successful blob id of all zeros stands for "no such side" in a diff.
fn is_null_blob(id: &str) -> bool {
    id.bytes().all(|b| b == b'0')
}

/// The one constructor for every git tizim runs: read-only and offline,
/// whatever the scanned repository's config says. The repository is the
/// thing under audit, so its `.git/config` and `.gitattributes` are treated
/// as hostile: nothing in them may fetch, write, or run a program.
///
/// * `GIT_NO_LAZY_FETCH=1`: a partial clone's missing blobs are reported
///   (see [`find_missing`]), never fetched from the promisor remote (a
///   network connection, and a write into the scanned object store).
/// * `protocol.allow=never`: no transport at all (file, ssh, https, ext::),
///   should anything else try to reach a remote.
/// * `GIT_TERMINAL_PROMPT=0`, `GIT_ASKPASS=`, `SSH_ASKPASS=` (empty values
///   make git skip `core.askPass` too) and `credential.helper=` (an empty
///   value clears the helper list): nothing asks for or looks up a password.
/// * `GIT_OPTIONAL_LOCKS=0`: no opportunistic index refresh (a write).
/// * `core.hooksPath=/dev/null`: no hook can run.
/// * `core.fsmonitor=false`: the fsmonitor hook is a program the config names,
///   run when the index is read.
/// * `gc.auto=0`, `maintenance.auto=false`: no housekeeping writes.
/// * `--no-pager` and `GIT_PAGER=cat`: `core.pager`/`pager.*` never run.
/// * Diffs add `--no-ext-diff` (`diff.external`, `diff.<driver>.command`)
///   and `--no-textconv` (`diff.<driver>.textconv`): see [`diff_command`].
///   `log.showSignature=false` keeps `gpg.program` from running.
///
/// `GIT_CONFIG_NOSYSTEM` is deliberately *not* set: the system config is the
/// administrator's, not the scanned repository's (it is where
/// `safe.directory` lives), and every setting above is given on the command
/// line, which overrides it anyway. Clean/smudge filters (`filter.*`) run only
/// when git reads or writes work-tree files, which none of these commands do;
/// `tests/git_readonly.rs` (`hostile_repository_config_runs_no_program`)
/// holds that, with a config naming a program for each of the above.
fn git_command(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        .arg("--no-pager")
        .args(["-c", "protocol.allow=never"])
        .args(["-c", "core.hooksPath=/dev/null"])
        .args(["-c", "core.fsmonitor=false"])
        .args(["-c", "credential.helper="])
        .args(["-c", "gc.auto=0"])
        .args(["-c", "maintenance.auto=false"])
        // Non-ASCII paths verbatim; special characters are still quoted.
        .args(["-c", "core.quotePath=false"])
        .args(["-c", "log.showSignature=false"])
        .env("GIT_NO_LAZY_FETCH", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_PAGER", "cat")
        // Messages such as "Binary files … differ" must not be translated.
        .env("LC_ALL", "C")
        .env("LANGUAGE", "C")
        .stdin(Stdio::null());
    c
}

fn spawn_error(e: io::Error) -> GitError {
    if e.kind() == io::ErrorKind::NotFound {
        GitError(
            "git is not installed (or not on PATH); --staged, --since and --git need it".into(),
        )
    } else {
        GitError(format!("cannot run git: {e}"))
    }
}

/// Runs a short git command and returns its trimmed stdout.
fn git_output(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = git_command(dir)
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .map_err(spawn_error)?;
    if !out.status.success() {
        return Err(GitError(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Finds the repository that holds `paths` (default: the current
/// directory). All paths must be in one repository; those below its top
/// level limit the scan.
pub fn locate(paths: &[PathBuf]) -> Result<GitTarget, GitError> {
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut target: Option<GitTarget> = None;
    for path in paths {
        let canonical = path
            .canonicalize()
            .map_err(|e| GitError(format!("{}: {e}", path.display())))?;
        let dir = if canonical.is_dir() {
            canonical.clone()
        } else {
            canonical
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("."))
        };
        let (toplevel, bare) = match git_output(&dir, &["rev-parse", "--show-toplevel"]) {
            Ok(top) if !top.is_empty() => (PathBuf::from(top), false),
            Ok(_) | Err(_) => {
                let bare =
                    git_output(&dir, &["rev-parse", "--is-bare-repository"]).map_err(|_| {
                        GitError(format!("{}: not inside a git repository", path.display()))
                    })?;
                if bare != "true" {
                    return Err(GitError(format!(
                        "{}: not inside a git work tree",
                        path.display()
                    )));
                }
                let git_dir = git_output(&dir, &["rev-parse", "--absolute-git-dir"])?;
                (PathBuf::from(git_dir), true)
            }
        };
        let toplevel = toplevel.canonicalize().unwrap_or(toplevel);
        let relative = canonical
            .strip_prefix(&toplevel)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let t = target.get_or_insert_with(|| GitTarget {
            toplevel: toplevel.clone(),
            bare,
            pathspecs: Vec::new(),
        });
        if t.toplevel != toplevel {
            return Err(GitError(format!(
                "{} and {} are in different repositories",
                t.toplevel.display(),
                toplevel.display()
            )));
        }
        if relative.is_empty() || bare {
            // The whole repository: any narrower pathspec is moot.
            t.pathspecs.clear();
            t.pathspecs.push(String::new());
        } else if !t.pathspecs.iter().any(String::is_empty) {
            t.pathspecs.push(relative);
        }
    }
    let mut target = target.expect("at least one path");
    target.pathspecs.retain(|p| !p.is_empty());
    Ok(target)
}

/// What a diff command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DiffOutput {
    /// The patch: added lines and binary markers (what is scanned).
    Patch,
    /// One `:modes ids status<TAB>path` line per change. Needs only trees,
    /// never a blob's content, so it works in a partial clone that lacks
    /// blobs; renames are not detected (that would read blobs).
    Raw,
}

/// Which commits a `--git` diff shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Commits {
    /// Every commit reachable from any ref, oldest first.
    All,
    /// Exactly those given on stdin, in that order.
    Listed,
}

/// Checks `--since REV` before anything is diffed: a clear message rather
/// than git's.
fn check_since(rev: &str, dir: &Path) -> Result<(), GitError> {
    if rev.starts_with('-') {
        return Err(GitError(format!("--since: {rev:?} is not a revision")));
    }
    let spec = format!("{rev}^{{commit}}");
    git_output(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
    )
    .map_err(|_| GitError(format!("--since: unknown revision {rev:?}")))?;
    git_output(dir, &["merge-base", rev, "HEAD"]).map_err(|_| {
        GitError(format!(
            "--since: {rev} and HEAD have no common ancestor here; in CI fetch the \
             full history (e.g. actions/checkout with fetch-depth: 0)"
        ))
    })?;
    Ok(())
}

/// The git command line for `scope`; `excluded` paths are left out of the
/// diff (their blobs are missing).
fn diff_command(
    scope: &GitScope,
    target: &GitTarget,
    output: DiffOutput,
    commits: Commits,
    excluded: &[String],
) -> Result<Command, GitError> {
    let dir = &target.toplevel;
    let patch = [
        "-p",
        "-U0",
        "--no-color",
        // No program named by the repository's config or attributes runs:
        // diff.external, diff.<driver>.command and diff.<driver>.textconv.
        "--no-ext-diff",
        "--no-textconv",
        "--full-index",
        "-M",
        // Overrides diff.noprefix / diff.mnemonicPrefix in user configs.
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ];
    let raw = [
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
    ];
    let options: &[&str] = match output {
        DiffOutput::Patch => &patch,
        DiffOutput::Raw => &raw,
    };
    let mut cmd = git_command(dir);
    match scope {
        GitScope::Staged => {
            if target.bare {
                return Err(GitError(
                    "--staged needs a work tree, not a bare repository".into(),
                ));
            }
            cmd.args(["diff", "--cached"]).args(options);
        }
        GitScope::Since(rev) => {
            cmd.arg("diff").args(options).arg(format!("{rev}...HEAD"));
        }
        GitScope::History => {
            // Raw: a merge against each parent in turn, not combined. The
            // combined patch diffs the merge against every parent (renames
            // included) before keeping what is new, so it reads the blobs of
            // every such pair; only the separate listing names them all.
            let merges = match output {
                DiffOutput::Patch => "--cc",
                DiffOutput::Raw => "--diff-merges=separate",
            };
            cmd.args(["log", merges, "--format=%x00%H %aI"]);
            match commits {
                Commits::All => cmd.args(["--all", "--reverse"]),
                Commits::Listed => cmd.args(["--no-walk=unsorted", "--stdin"]),
            };
            cmd.args(options);
        }
    }
    cmd.arg("--");
    cmd.args(&target.pathspecs);
    if !excluded.is_empty() {
        if target.pathspecs.is_empty() {
            // Exclusions alone would mean "nothing"; with "." they cut from everything.
            cmd.arg(".");
        }
        for path in excluded {
            cmd.arg(format!(":(exclude,literal){path}"));
        }
    }
    Ok(cmd)
}

/// A blob a diff in the scope needs and the object store lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingBlob {
    pub id: String,
    /// The path it is (or was) at, the first time the scope needs it.
    pub path: String,
    /// The commit whose diff needs it (`--git` only).
    pub commit: Option<String>,
}

/// The blobs missing from a partial clone, and what to leave out because of them.
#[derive(Debug, Default)]
struct MissingPlan {
    blobs: Vec<MissingBlob>,
    /// Per commit (`""` outside `--git`), paths whose diff needs a missing blob.
    excluded: HashMap<String, Vec<String>>,
    /// Every commit of the scope, in order, and whether any of its changes
    /// can be diffed at all (`--git` only).
    commits: Vec<(String, bool)>,
}

/// Whether the repository may lack objects by design: a partial clone has a
/// promisor remote (`extensions.partialClone`, `remote.<name>.promisor`).
/// Anywhere else a missing object is corruption, and git's own error stops
/// the scan.
fn is_partial_clone(dir: &Path) -> bool {
    git_output(
        dir,
        &[
            "config",
            "--get-regexp",
            r"^(extensions\.partialclone|remote\..*\.promisor)$",
        ],
    )
    .is_ok_and(|out| out.lines().any(|l| !l.ends_with(" false")))
}

/// Lists the blobs the scope's diffs need that are not in the object store,
/// without fetching them: the raw diff reads only trees, and `git cat-file
/// --batch-check` answers `missing` (lazy fetching is off; see
/// [`git_command`]).
fn find_missing(scope: &GitScope, target: &GitTarget) -> Result<MissingPlan, GitError> {
    let out = diff_command(scope, target, DiffOutput::Raw, Commits::All, &[])?
        .stderr(Stdio::piped())
        .output()
        .map_err(spawn_error)?;
    if !out.status.success() {
        return Err(GitError(format!(
            "git (listing changes): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (commits, changes) = parse_raw(&out.stdout);
    let mut ids: Vec<&str> = changes
        .iter()
        .flat_map(|(_, _, ids)| ids.iter().map(String::as_str))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let absent = absent_objects(&target.toplevel, &ids)?;
    let mut plan = MissingPlan::default();
    let mut listed = HashSet::new();
    // Commits (by position + 1; 0 = none) with a change that can be diffed.
    let mut diffable = vec![false; commits.len() + 1];
    for (commit, path, ids) in changes {
        let missing: Vec<&String> = ids.iter().filter(|id| absent.contains(*id)).collect();
        if missing.is_empty() {
            diffable[commit] = true;
            continue;
        }
        let commit_id = commit.checked_sub(1).map(|i| commits[i].clone());
        for id in missing {
            if listed.insert(id.clone()) {
                plan.blobs.push(MissingBlob {
                    id: id.clone(),
                    path: path.clone(),
                    commit: commit_id.clone(),
                });
            }
        }
        plan.excluded
            .entry(commit_id.unwrap_or_default())
            .or_default()
            .push(path);
    }
    plan.commits = commits
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, diffable[i + 1]))
        .collect();
    Ok(plan)
}

/// One change of a raw diff: the commit it belongs to (position in the
/// commit list + 1; 0 outside `--git`), its path, and the blob ids it needs.
type RawChange = (usize, String, Vec<String>);

/// Parses `--raw` output (with `--format=%x00%H …` commit headers under
/// `--git`, a merge's repeated for each parent): the commits in order, and
/// every change.
fn parse_raw(stdout: &[u8]) -> (Vec<String>, Vec<RawChange>) {
    let mut changes = Vec::new();
    let mut commits: Vec<String> = Vec::new();
    for line in stdout.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"\0") {
            let rest = String::from_utf8_lossy(rest);
            let id = rest.split_whitespace().next().unwrap_or_default();
            // A merge is listed once per parent, one after the other.
            if commits.last().map(String::as_str) != Some(id) {
                commits.push(id.to_string());
            }
        } else if line.starts_with(b":") {
            let Some(tab) = line.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let colons = line.iter().take_while(|&&b| b == b':').count();
            let head = String::from_utf8_lossy(&line[colons..tab]);
            // `colons + 1` modes, then as many object ids, then the status.
            let fields: Vec<&str> = head.split_whitespace().collect();
            let sides = colons + 1;
            let (Some(modes), Some(ids)) = (fields.get(..sides), fields.get(sides..2 * sides))
            else {
                continue;
            };
            let ids = modes
                .iter()
                .zip(ids)
                // A submodule's commit (mode 160000) lives in another repository.
                .filter(|(mode, id)| **mode != "160000" && !is_null_blob(id))
                .map(|(_, id)| id.to_string())
                .collect();
            changes.push((commits.len(), unquote(&line[tab + 1..]), ids));
        }
    }
    (commits, changes)
}

/// The ids among `ids` that are not in the object store.
fn absent_objects(dir: &Path, ids: &[&str]) -> Result<HashSet<String>, GitError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let out = run_with_input(
        git_command(dir).args(["cat-file", "--batch-check"]),
        ids.join("\n").into_bytes(),
    )?;
    // `<id> missing`, or `<id> <type> <size>`.
    Ok(out
        .lines()
        .filter_map(|l| l.strip_suffix(" missing"))
        .map(String::from)
        .collect())
}

/// Runs `cmd` with `input` on its stdin and returns its stdout.
fn run_with_input(cmd: &mut Command, input: Vec<u8>) -> Result<String, GitError> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let writer = feed_stdin(&mut child, input);
    let out = child.wait_with_output().map_err(spawn_error)?;
    let _ = writer.map(std::thread::JoinHandle::join);
    if !out.status.success() {
        return Err(GitError(format!(
            "git: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Scans what `scope` says was added in `target`, streaming findings into
/// `sink`. Per-file problems are reported in the summary; only a failing
/// git (not a repository, unknown revision…) is an error. Blobs missing from
/// a partial clone are not fetched: the changes that need them are left out,
/// and each is listed as a notice (`missing`).
pub fn scan(
    scope: &GitScope,
    target: &GitTarget,
    opts: &ScanOptions,
    engine: &Engine,
    sink: &dyn FindingSink,
) -> Result<ScanSummary, GitError> {
    let started = Instant::now();
    let forced_encoding = opts
        .source
        .encoding
        .as_deref()
        .map(decode::encoding_for_label)
        .transpose()
        .map_err(|e| GitError(format!("--encoding: {e}")))?;
    if let GitScope::Since(rev) = scope {
        check_since(rev, &target.toplevel)?;
    }
    let plan = if is_partial_clone(&target.toplevel) {
        find_missing(scope, target)?
    } else {
        MissingPlan::default()
    };
    let mut scanner = DiffScanner {
        target,
        opts,
        forced_encoding,
        engine,
        fingerprinter: &opts.fingerprint_key,
        sink,
        history: *scope == GitScope::History,
        seen: HashSet::new(),
        summary: ScanSummary::default(),
        current: None,
        open: None,
        blobs: None,
        globs: path_globs(&target.toplevel, &opts.walk.globs)?,
        excluded: None,
        blob_values: HashMap::new(),
    };
    if plan.blobs.is_empty() {
        let cmd = diff_command(scope, target, DiffOutput::Patch, Commits::All, &[])?;
        run_diff(cmd, None, &mut scanner)?;
    } else if *scope != GitScope::History {
        let excluded = plan.excluded.get("").map(Vec::as_slice).unwrap_or(&[]);
        let cmd = diff_command(scope, target, DiffOutput::Patch, Commits::All, excluded)?;
        run_diff(cmd, None, &mut scanner)?;
    } else {
        // Commits in order: runs of complete commits in one `git log`, each
        // commit lacking blobs alone with its paths excluded (or not at all
        // when nothing in it can be diffed).
        let mut run: Vec<String> = Vec::new();
        for (commit, diffable) in &plan.commits {
            match plan.excluded.get(commit) {
                None => run.push(commit.clone()),
                Some(excluded) => {
                    scan_commits(scope, target, &run, &[], &mut scanner)?;
                    run.clear();
                    if *diffable {
                        scan_commits(
                            scope,
                            target,
                            std::slice::from_ref(commit),
                            excluded,
                            &mut scanner,
                        )?;
                    }
                }
            }
        }
        scan_commits(scope, target, &run, &[], &mut scanner)?;
    }
    let mut summary = scanner.summary;
    for blob in plan.blobs {
        summary.stats.skip(SkipReason::Missing);
        let commit = blob
            .commit
            .map(|c| format!(" (commit {c})"))
            .unwrap_or_default();
        summary.notices.push(Notice {
            path: blob.path,
            line: None,
            reason: Some(SkipReason::Missing),
            message: format!(
                "blob {}{commit} not scanned: missing from a partial clone",
                blob.id
            ),
        });
    }
    if !opts.show_values {
        summary.mask_values(engine);
    }
    summary.errors.sort_by(|a, b| a.path.cmp(&b.path));
    summary.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(summary)
}

/// `git log` over exactly `commits` (`--git` with missing blobs).
fn scan_commits(
    scope: &GitScope,
    target: &GitTarget,
    commits: &[String],
    excluded: &[String],
    scanner: &mut DiffScanner<'_>,
) -> Result<(), GitError> {
    if commits.is_empty() {
        return Ok(());
    }
    let cmd = diff_command(scope, target, DiffOutput::Patch, Commits::Listed, excluded)?;
    run_diff(cmd, Some(commits.join("\n").into_bytes()), scanner)
}

/// Writes `input` and a final newline to `child`'s piped stdin on a thread,
/// so that a child filling its stdout pipe cannot deadlock with us.
fn feed_stdin(
    child: &mut std::process::Child,
    mut input: Vec<u8>,
) -> Option<std::thread::JoinHandle<io::Result<()>>> {
    let mut stdin = child.stdin.take()?;
    input.push(b'\n');
    Some(std::thread::spawn(move || {
        use std::io::Write as _;
        stdin.write_all(&input)
    }))
}

/// Runs one diff command and parses its output into `scanner`.
fn run_diff(
    mut cmd: Command,
    input: Option<Vec<u8>>,
    scanner: &mut DiffScanner<'_>,
) -> Result<(), GitError> {
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let writer = input.and_then(|input| feed_stdin(&mut child, input));
    let mut stderr = child.stderr.take().expect("piped");
    // Drained on its own thread so a chatty git cannot block on a full pipe.
    let stderr_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).trim().to_string()
    });
    let stdout = child.stdout.take().expect("piped");
    let parsed = parse_diff(BufReader::with_capacity(1 << 16, stdout), scanner);
    let status = child.wait().map_err(|e| GitError(format!("git: {e}")))?;
    let _ = writer.map(std::thread::JoinHandle::join);
    let stderr = stderr_reader.join().unwrap_or_default();
    parsed.map_err(|e| GitError(format!("reading git output: {e}")))?;
    if !status.success() {
        return Err(GitError(format!("git failed: {stderr}")));
    }
    Ok(())
}

/// `--glob` patterns (gitignore syntax, `!` excludes) over repository paths.
fn path_globs(
    root: &Path,
    globs: &[String],
) -> Result<Option<ignore::overrides::Override>, GitError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = ignore::overrides::OverrideBuilder::new(root);
    for g in globs {
        builder
            .add(g)
            .map_err(|e| GitError(format!("--glob {g:?}: {e}")))?;
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| GitError(format!("--glob: {e}")))
}

/// The commit whose diff is being read (`--git` only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    /// Strict ISO 8601 (`%aI`).
    pub author_date: String,
}

/// One file's diff header, as far as it has been read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileHeader {
    /// Path in the new tree.
    pub path: String,
    pub old_blob: Option<String>,
    pub new_blob: Option<String>,
    /// A combined diff of a merge.
    pub combined: bool,
    pub deleted: bool,
}

/// What [`parse_diff`] reports, in order.
pub trait DiffSink {
    fn commit(&mut self, commit: CommitInfo);
    /// A run of consecutive added lines in `file`, starting at line
    /// `first_line` of the new file; `text` has the lines joined by `\n`.
    fn added(&mut self, file: &FileHeader, first_line: u64, text: &[u8]);
    /// git calls `file` binary; its contents are in the blobs.
    fn binary(&mut self, file: &FileHeader);
    /// Everything of `file` has been reported.
    fn file_end(&mut self, file: &FileHeader);
}

/// Added bytes buffered before a run is handed over even if it goes on, so
/// a huge added file does not have to fit in memory.
const RUN_LIMIT: usize = 1 << 20;

#[derive(Default)]
struct ParseState {
    file: Option<FileHeader>,
    binary: bool,
    /// Prefix columns of hunk lines (parents of a combined diff; 1 normally);
    /// 0 outside hunks.
    columns: usize,
    next_line: u64,
    run: Vec<u8>,
    run_first_line: u64,
}

impl ParseState {
    fn flush_run(&mut self, sink: &mut dyn DiffSink) {
        if let Some(file) = &self.file {
            if !self.run.is_empty() {
                // The joined lines end in a newline; the segment need not.
                if self.run.last() == Some(&b'\n') {
                    self.run.pop();
                }
                sink.added(file, self.run_first_line, &self.run);
            }
        }
        self.run.clear();
    }

    fn end_file(&mut self, sink: &mut dyn DiffSink) {
        self.flush_run(sink);
        self.columns = 0;
        if let Some(file) = self.file.take() {
            if self.binary && !file.deleted {
                sink.binary(&file);
            }
            sink.file_end(&file);
        }
        self.binary = false;
    }
}

/// Parses `git diff -p -U0` / `git log -p --cc -U0 --format=%x00%H %aI`
/// output into added lines.
pub fn parse_diff(mut reader: impl BufRead, sink: &mut dyn DiffSink) -> io::Result<()> {
    let mut st = ParseState::default();
    let mut buf = Vec::with_capacity(256);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        let line = &buf[..];
        if st.columns > 0 {
            if let Some(&first) = line.first() {
                if matches!(first, b'+' | b'-' | b' ') && line.len() >= st.columns {
                    let prefix = &line[..st.columns];
                    if prefix.contains(&b'-') {
                        // Not in the new file: numbering and runs are unaffected.
                        continue;
                    }
                    if prefix.iter().all(|&b| b == b'+') {
                        if st.run.is_empty() {
                            st.run_first_line = st.next_line;
                        }
                        st.run.extend_from_slice(&line[st.columns..]);
                        st.run.push(b'\n');
                        st.next_line += 1;
                        if st.run.len() >= RUN_LIMIT {
                            st.flush_run(sink);
                        }
                    } else {
                        // Kept from a parent: ends the run.
                        st.flush_run(sink);
                        st.next_line += 1;
                    }
                    continue;
                }
                if first == b'\\' {
                    // "\ No newline at end of file"
                    continue;
                }
            }
            // Anything else ends the hunk; read it as a header line below.
            st.flush_run(sink);
            st.columns = 0;
        }
        if let Some(rest) = line.strip_prefix(b"\0") {
            st.end_file(sink);
            let rest = String::from_utf8_lossy(rest);
            let mut parts = rest.split_whitespace();
            sink.commit(CommitInfo {
                id: parts.next().unwrap_or_default().to_string(),
                author_date: parts.next().unwrap_or_default().to_string(),
            });
        } else if let Some(rest) = line.strip_prefix(b"diff --git ") {
            st.end_file(sink);
            st.file = Some(FileHeader {
                path: path_from_git_header(rest).unwrap_or_default(),
                ..FileHeader::default()
            });
        } else if let Some(rest) = line
            .strip_prefix(b"diff --cc ")
            .or_else(|| line.strip_prefix(b"diff --combined "))
        {
            st.end_file(sink);
            st.file = Some(FileHeader {
                path: unquote(rest),
                combined: true,
                ..FileHeader::default()
            });
        } else if line.starts_with(b"@@") {
            st.flush_run(sink);
            let ats = line.iter().take_while(|&&b| b == b'@').count();
            st.columns = ats.saturating_sub(1).max(1);
            st.next_line = new_start(line).unwrap_or(1);
        } else if let Some(file) = st.file.as_mut() {
            read_header_line(line, file, &mut st.binary);
        }
    }
    st.end_file(sink);
    Ok(())
}

/// A header line between `diff --git` and the first hunk.
fn read_header_line(line: &[u8], file: &mut FileHeader, binary: &mut bool) {
    if let Some(rest) = line.strip_prefix(b"+++ ") {
        if rest == b"/dev/null" {
            file.deleted = true;
        } else {
            let path = unquote(rest);
            file.path = path.strip_prefix("b/").unwrap_or(&path).to_string();
        }
    } else if let Some(rest) = line
        .strip_prefix(b"rename to ")
        .or_else(|| line.strip_prefix(b"copy to "))
    {
        file.path = unquote(rest);
    } else if line.starts_with(b"deleted file mode") {
        file.deleted = true;
    } else if let Some(rest) = line.strip_prefix(b"index ") {
        // `index OLD..NEW [mode]`, or `index A,B..NEW` for combined diffs.
        let rest = String::from_utf8_lossy(rest);
        let ids = rest.split_whitespace().next().unwrap_or_default();
        if let Some((old, new)) = ids.split_once("..") {
            let old = old.split(',').next().unwrap_or_default();
            file.old_blob = (!is_null_blob(old)).then(|| old.to_string());
            file.new_blob = (!is_null_blob(new)).then(|| new.to_string());
            if file.new_blob.is_none() {
                file.deleted = true;
            }
        }
    } else if line.starts_with(b"Binary files ") || line == b"GIT binary patch" {
        *binary = true;
    }
}

/// The new-file start line of a hunk header: `+c` in `@@ -a,b +c,d @@`.
fn new_start(header: &[u8]) -> Option<u64> {
    let header = std::str::from_utf8(header).ok()?;
    let ranges = header.trim_start_matches('@');
    let end = ranges.find("@@").unwrap_or(ranges.len());
    ranges[..end]
        .split_whitespace()
        .find_map(|t| t.strip_prefix('+'))
        .and_then(|t| t.split(',').next())
        .and_then(|n| n.parse().ok())
}

/// The new path from `a/P b/P` (or their quoted forms). Renames are read from
/// `rename to` later, so only the symmetric form must be exact.
fn path_from_git_header(rest: &[u8]) -> Option<String> {
    if rest.first() == Some(&b'"') {
        // `"a/…" "b/…"` or `"a/…" b/…`
        let (_, after) = split_quoted(rest)?;
        let after = after.strip_prefix(b" ")?;
        let b = unquote(after);
        return Some(b.strip_prefix("b/").unwrap_or(&b).to_string());
    }
    let len = rest.len();
    if len % 2 == 1 {
        let half = (len - 1) / 2;
        let (a, b) = (&rest[..half], &rest[half + 1..]);
        if rest[half] == b' ' && a.starts_with(b"a/") && b.starts_with(b"b/") && a[2..] == b[2..] {
            return Some(String::from_utf8_lossy(&b[2..]).into_owned());
        }
    }
    let text = String::from_utf8_lossy(rest);
    let at = text.rfind(" b/")?;
    Some(text[at + 3..].to_string())
}

/// Splits a leading C-quoted string off `s`: (its bytes, the rest).
fn split_quoted(s: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'"' => return Some((out, &s[i + 1..])),
            b'\\' if i + 1 < s.len() => {
                i += 1;
                match s[i] {
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b't' => out.push(b'\t'),
                    b'n' => out.push(b'\n'),
                    b'v' => out.push(11),
                    b'f' => out.push(12),
                    b'r' => out.push(b'\r'),
                    d @ b'0'..=b'7' => {
                        let mut v = u32::from(d - b'0');
                        for _ in 0..2 {
                            match s.get(i + 1) {
                                Some(&o @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(o - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(v as u8);
                    }
                    other => out.push(other),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    None
}

/// A path as git prints it: verbatim, or C-quoted when it has special bytes.
fn unquote(s: &[u8]) -> String {
    if s.first() == Some(&b'"') {
        if let Some((bytes, _)) = split_quoted(s) {
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    String::from_utf8_lossy(s).into_owned()
}

/// Turns parsed diffs into findings.
struct DiffScanner<'a> {
    target: &'a GitTarget,
    opts: &'a ScanOptions,
    /// `--encoding`, resolved once.
    forced_encoding: Option<&'static encoding_rs::Encoding>,
    engine: &'a Engine,
    fingerprinter: &'a FingerprintKey,
    sink: &'a dyn FindingSink,
    history: bool,
    /// `(fingerprint, path)` already reported (`--git` only).
    seen: HashSet<(String, String)>,
    summary: ScanSummary,
    current: Option<(CommitInfo, Option<i64>)>,
    /// The text file whose added lines are being read.
    open: Option<FileScanner<'a>>,
    /// Started at the first binary file.
    blobs: Option<BlobReader>,
    /// `--glob` include / exclude patterns, as the walker reads them.
    globs: Option<ignore::overrides::Override>,
    /// Whether the current file is excluded by `globs` (decided once per file).
    excluded: Option<bool>,
    /// Fingerprints of the values in each binary blob scanned so far: in a
    /// history, a binary's old blob is usually the new blob of an earlier
    /// commit, so it need not be read again.
    blob_values: HashMap<String, HashSet<String>>,
}

/// One `git cat-file --batch` for all blobs: a process per blob costs more
/// than scanning most of them.
struct BlobReader {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl BlobReader {
    fn start(dir: &Path) -> Result<BlobReader, GitError> {
        let mut child = git_command(dir)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(spawn_error)?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        Ok(BlobReader {
            child,
            stdin,
            stdout,
        })
    }

    /// Copies blob `id` into `out`; `Ok(false)` when it is larger than
    /// `limit` (then nothing is written).
    fn copy_to(
        &mut self,
        id: &str,
        limit: Option<u64>,
        out: &mut dyn io::Write,
    ) -> io::Result<bool> {
        use std::io::Write as _;
        writeln!(self.stdin, "{id}")?;
        self.stdin.flush()?;
        let mut header = String::new();
        self.stdout.read_line(&mut header)?;
        // `<id> blob <size>`, or `<id> missing`.
        let size: u64 = header
            .split_whitespace()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| io::Error::other(format!("git cat-file: {}", header.trim())))?;
        let mut content = (&mut self.stdout).take(size);
        let copied = if limit.is_some_and(|l| size > l) {
            io::copy(&mut content, &mut io::sink())?;
            false
        } else {
            io::copy(&mut content, out)?;
            true
        };
        let mut newline = [0u8; 1];
        self.stdout.read_exact(&mut newline)?;
        Ok(copied)
    }
}

impl Drop for BlobReader {
    fn drop(&mut self) {
        // Nothing more to ask: end it rather than wait for it to notice.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl<'a> DiffScanner<'a> {
    fn new_file_scanner(&self) -> FileScanner<'a> {
        FileScanner::new(self.engine, self.fingerprinter, self.opts.show_values)
    }

    /// Takes a finished file's findings and counters into the sink and the
    /// summary. Per-file finding counts are recounted after de-duplication.
    fn emit(&mut self, findings: Vec<Finding>, file_summary: ScanSummary) {
        let mut stats = file_summary.stats;
        stats.findings = 0;
        stats.suppressed = 0;
        for mut finding in findings {
            if let Some((commit, time)) = &self.current {
                finding.commit = Some(commit.id.clone());
                finding.author_date = Some(commit.author_date.clone());
                finding.modified = *time;
            } else {
                // The temporary copy's mtime says nothing about the content.
                finding.modified = None;
            }
            if self.history
                && !self
                    .seen
                    .insert((finding.fingerprint.clone(), finding.path.to_string()))
            {
                continue;
            }
            if finding.suppressed.is_some() {
                stats.suppressed += 1;
            } else {
                stats.findings += 1;
            }
            self.sink.finding(finding);
        }
        self.sink.file_done(&stats);
        self.summary.stats.merge(&stats);
        self.summary.errors.extend(file_summary.errors);
        self.summary.notices.extend(file_summary.notices);
    }

    /// Whether `--glob` leaves `path` out; counted once per file.
    fn is_excluded(&mut self, path: &str) -> bool {
        if let Some(excluded) = self.excluded {
            return excluded;
        }
        let excluded = self
            .globs
            .as_ref()
            .is_some_and(|g| g.matched(path, false).is_ignore());
        if excluded {
            self.summary.stats.skip(SkipReason::Ignored);
        }
        self.excluded = Some(excluded);
        excluded
    }

    /// Copies a blob into a private temporary file the source stage can read.
    fn blob_to_file(&mut self, blob: &str, name: &str) -> Result<tempfile::NamedTempFile, String> {
        if self.blobs.is_none() {
            self.blobs = Some(BlobReader::start(&self.target.toplevel).map_err(|e| e.0)?);
        }
        let reader = self.blobs.as_mut().expect("just started");
        let file_name = Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Keeps the name (hence the extension) for the source stage's sniffing.
        let mut tmp = tempfile::Builder::new()
            .prefix("tizim-blob-")
            .suffix(&format!("-{file_name}"))
            .tempfile()
            .map_err(|e| format!("temporary file: {e}"))?;
        let limit = self.opts.walk.max_filesize;
        match reader.copy_to(blob, limit, tmp.as_file_mut()) {
            Ok(true) => Ok(tmp),
            Ok(false) => Err(String::from("too large")),
            Err(e) => {
                // The protocol stream may be out of step now: start afresh next time.
                self.blobs = None;
                Err(format!("reading blob {blob}: {e}"))
            }
        }
    }

    /// Fingerprints of the values in a blob (the old side of a binary diff).
    fn blob_fingerprints(&mut self, blob: &str, name: &str) -> &HashSet<String> {
        if !self.blob_values.contains_key(blob) {
            let values = match self.blob_to_file(blob, name) {
                Ok(tmp) => {
                    let mut scanner = self.new_file_scanner();
                    source::read_file(tmp.path(), name, &self.opts.source, &mut scanner);
                    let (findings, _) = scanner.finish();
                    findings.into_iter().map(|f| f.fingerprint).collect()
                }
                // Unreadable or too large: nothing to subtract.
                Err(_) => HashSet::new(),
            };
            self.blob_values.insert(blob.to_string(), values);
        }
        &self.blob_values[blob]
    }
}

impl DiffSink for DiffScanner<'_> {
    fn commit(&mut self, commit: CommitInfo) {
        let time = chrono::DateTime::parse_from_rfc3339(&commit.author_date)
            .ok()
            .map(|t| t.timestamp());
        self.current = Some((commit, time));
    }

    fn added(&mut self, file: &FileHeader, first_line: u64, text: &[u8]) {
        if self.is_excluded(&file.path) {
            return;
        }
        // Added lines are read as the same file on disk would be.
        let (text, _) = decode::decode_bytes(text, self.forced_encoding);
        if self.open.is_none() {
            let mut scanner = self.new_file_scanner();
            scanner.begin(&FileMeta {
                path: file.path.clone(),
                modified: None,
            });
            self.open = Some(scanner);
        }
        if let Some(scanner) = self.open.as_mut() {
            scanner.segment(&Segment::whole(&text, first_line, None));
        }
    }

    fn binary(&mut self, file: &FileHeader) {
        if self.is_excluded(&file.path) {
            return;
        }
        let path = file.path.clone();
        let Some(new_blob) = file.new_blob.as_deref() else {
            return;
        };
        if file.combined {
            self.summary.notices.push(Notice {
                path,
                line: None,
                reason: Some(SkipReason::Binary),
                message: "binary file changed by a merge: not scanned".into(),
            });
            self.summary.stats.skip(SkipReason::Binary);
            return;
        }
        let tmp = match self.blob_to_file(new_blob, &path) {
            Ok(tmp) => tmp,
            Err(e) if e == "too large" => {
                self.summary.stats.skip(SkipReason::TooLarge);
                return;
            }
            Err(message) => {
                self.summary.stats.errors += 1;
                self.summary.errors.push(ScanError { path, message });
                return;
            }
        };
        let mut scanner = self.new_file_scanner();
        source::read_file(tmp.path(), &path, &self.opts.source, &mut scanner);
        let (mut findings, summary) = scanner.finish();
        self.blob_values.insert(
            new_blob.to_string(),
            findings.iter().map(|f| f.fingerprint.clone()).collect(),
        );
        if let Some(old_blob) = file.old_blob.as_deref() {
            let old = self.blob_fingerprints(old_blob, &path);
            findings.retain(|f| !old.contains(&f.fingerprint));
        }
        self.emit(findings, summary);
    }

    fn file_end(&mut self, _file: &FileHeader) {
        self.excluded = None;
        if let Some(mut scanner) = self.open.take() {
            scanner.end();
            let (findings, summary) = scanner.finish();
            self.emit(findings, summary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Recorder {
        events: Vec<String>,
    }

    impl DiffSink for Recorder {
        fn commit(&mut self, c: CommitInfo) {
            self.events
                .push(format!("commit {} {}", c.id, c.author_date));
        }
        fn added(&mut self, f: &FileHeader, first_line: u64, text: &[u8]) {
            self.events.push(format!(
                "added {}:{first_line} {:?}",
                f.path,
                String::from_utf8_lossy(text)
            ));
        }
        fn binary(&mut self, f: &FileHeader) {
            self.events.push(format!(
                "binary {} {:?}..{:?}",
                f.path, f.old_blob, f.new_blob
            ));
        }
        fn file_end(&mut self, f: &FileHeader) {
            self.events.push(format!("end {}", f.path));
        }
    }

    fn parse(text: &str) -> Vec<String> {
        let mut r = Recorder::default();
        parse_diff(text.as_bytes(), &mut r).unwrap();
        r.events
    }

    #[test]
    fn runs_of_added_lines_with_new_file_numbers() {
        let diff = "\
diff --git a/users.txt b/users.txt
index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644
--- a/users.txt
+++ b/users.txt
@@ -2 +1,0 @@
-old line
@@ -5,0 +5,2 @@
+five
+six
@@ -9,2 +11,3 @@
-gone
-gone too
+eleven
+twelve
\\ No newline at end of file
+thirteen
";
        assert_eq!(
            parse(diff),
            vec![
                "added users.txt:5 \"five\\nsix\"",
                "added users.txt:11 \"eleven\\ntwelve\\nthirteen\"",
                "end users.txt",
            ]
        );
    }

    #[test]
    fn commits_renames_binaries_deletions_and_quoted_paths() {
        let diff = "\0abc123 2024-05-01T10:00:00+05:00

diff --git a/old name.txt b/new name.txt
similarity index 90%
rename from old name.txt
rename to new name.txt
index 1111111111111111111111111111111111111111..2222222222222222222222222222222222222222 100644
--- a/old name.txt
+++ b/new name.txt
@@ -3,0 +4 @@
+added after rename
diff --git a/dump.zip b/dump.zip
new file mode 100644
index 0000000000000000000000000000000000000000..3333333333333333333333333333333333333333
Binary files /dev/null and b/dump.zip differ
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 4444444444444444444444444444444444444444..0000000000000000000000000000000000000000
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git \"a/tab\\there.txt\" \"b/tab\\there.txt\"
new file mode 100644
index 0000000000000000000000000000000000000000..5555555555555555555555555555555555555555
--- /dev/null
+++ \"b/tab\\there.txt\"
@@ -0,0 +1 @@
+hi
\0def456 2024-05-02T10:00:00+05:00

diff --git a/only mode.sh b/only mode.sh
old mode 100644
new mode 100755
";
        assert_eq!(
            parse(diff),
            vec![
                "commit abc123 2024-05-01T10:00:00+05:00",
                "added new name.txt:4 \"added after rename\"",
                "end new name.txt",
                "binary dump.zip None..Some(\"3333333333333333333333333333333333333333\")",
                "end dump.zip",
                "end gone.txt",
                "added tab\there.txt:1 \"hi\"",
                "end tab\there.txt",
                "commit def456 2024-05-02T10:00:00+05:00",
                "end only mode.sh",
            ]
        );
    }

    #[test]
    fn combined_diffs_scan_only_lines_in_no_parent() {
        let diff = "\0m1 2024-05-03T10:00:00Z

diff --cc conflict.txt
index 1111111111111111111111111111111111111111,2222222222222222222222222222222222222222..3333333333333333333333333333333333333333
--- a/conflict.txt
+++ b/conflict.txt
@@@ -1,1 -1,1 +1,3 @@@
- ours
 -theirs
++resolved by hand
+ from ours
 +from theirs
";
        assert_eq!(
            parse(diff),
            vec![
                "commit m1 2024-05-03T10:00:00Z",
                "added conflict.txt:1 \"resolved by hand\"",
                "end conflict.txt",
            ]
        );
    }

    #[test]
    fn long_runs_are_handed_over_in_pieces() {
        let mut diff = String::from(
            "diff --git a/big.txt b/big.txt\n--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,40000 @@\n",
        );
        let line = "x".repeat(63);
        for _ in 0..40_000 {
            diff.push('+');
            diff.push_str(&line);
            diff.push('\n');
        }
        let events = parse(&diff);
        let pieces: Vec<&String> = events.iter().filter(|e| e.starts_with("added")).collect();
        assert!(pieces.len() >= 2, "{} pieces", pieces.len());
        // The second piece starts right after the lines of the first.
        let first_len = pieces[0].matches(&line).count() as u64;
        assert!(pieces[1].starts_with(&format!("added big.txt:{} ", first_len + 1)));
    }

    #[test]
    fn raw_changes_with_merges_gitlinks_and_quoted_paths() {
        let (a, b, c) = ("a".repeat(40), "b".repeat(40), "c".repeat(40));
        let z = "0".repeat(40);
        let raw = format!(
            "\0c1 2024-05-01T10:00:00Z\n\n\
             :000000 100644 {z} {a} A\tnew file.txt\n\
             :160000 160000 {a} {b} M\tvendor/lib\n\
             \0m1 2024-05-02T10:00:00Z\n\n\
             :100644 100644 {a} {c} M\tother.txt\n\
             \0m1 2024-05-02T10:00:00Z\n\n\
             ::100644 100644 100644 {a} {b} {c} MM\t\"tab\\there.txt\"\n"
        );
        let (commits, changes) = parse_raw(raw.as_bytes());
        assert_eq!(commits, ["c1", "m1"]);
        assert_eq!(
            changes,
            vec![
                (1, "new file.txt".to_string(), vec![a.clone()]),
                (1, "vendor/lib".to_string(), vec![]),
                (2, "other.txt".to_string(), vec![a.clone(), c.clone()]),
                (2, "tab\there.txt".to_string(), vec![a, b, c]),
            ]
        );
        // Outside --git there are no headers: commit 0.
        let (commits, changes) = parse_raw(format!(":100644 100644 {z} {z} M\tx\n").as_bytes());
        assert!(commits.is_empty());
        assert_eq!(changes, vec![(0, "x".to_string(), vec![])]);
    }

    #[test]
    fn hunk_header_start() {
        assert_eq!(new_start(b"@@ -1,2 +3,4 @@ fn x()"), Some(3));
        assert_eq!(new_start(b"@@@ -1 -1 +7 @@@"), Some(7));
        assert_eq!(new_start(b"@@ -0,0 +1 @@"), Some(1));
    }

    #[test]
    fn unquotes_octal_utf8() {
        assert_eq!(unquote(b"\"b/\\320\\264.txt\""), "b/д.txt");
    }
}
