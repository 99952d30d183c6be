//! Git modes are read-only and offline: a partial clone's missing blobs are
//! reported, never fetched (no connection, no write into the scanned object
//! store), and a hostile repository config cannot make tizim's git run a
//! program.
//!
//! The remote here is a local bare repository served over `file://` with
//! `uploadpack.allowFilter`: a lazy fetch from it *would* succeed (the
//! control runs below show it does for plain git), so a blob that stays
//! missing after a scan was not fetched because tizim did not let git.

mod common;

use common::{isolate, run_tizim_env, Outcome};
use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(120);
const OLD_EMAIL: &str = "aigerim.nurlanova@mail.kz";
const NEW_EMAIL: &str = "bolat.seitkali@inbox.kz";
const STAGED_EMAIL: &str = "dana.omarova@halykmail.kz";

fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    isolate(&mut cmd);
    let out = cmd
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00+05:00")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00+05:00")
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A bare repository with three commits, served to partial clones: one
/// adds `customers.csv` with OLD_EMAIL, two edits it, three edits it again
/// and adds `new.txt` with NEW_EMAIL. A `--filter=blob:none` clone checks
/// out commit three, so it has that commit's blobs and lacks the two older
/// versions of `customers.csv`.
fn partial_clone(root: &Path) -> PathBuf {
    let origin = root.join("origin");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q", "-b", "main"]);
    git(&origin, &["config", "user.name", "Test"]);
    git(&origin, &["config", "user.email", "test@tizim.test"]);
    let write = |name: &str, text: &str| std::fs::write(origin.join(name), text).unwrap();
    write(
        "customers.csv",
        &format!("name,email\nAigerim,{OLD_EMAIL}\n"),
    );
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "one"]);
    write(
        "customers.csv",
        &format!("name,email\nAigerim,{OLD_EMAIL}\nnobody,-\n"),
    );
    git(&origin, &["commit", "-q", "-am", "two"]);
    write(
        "customers.csv",
        &format!("name,email\nAigerim,{OLD_EMAIL}\nnobody,-\nsomeone,-\n"),
    );
    write("new.txt", &format!("contact {NEW_EMAIL}\n"));
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "three"]);
    let bare = root.join("origin.git");
    git(
        root,
        &["clone", "-q", "--bare", "origin", bare.to_str().unwrap()],
    );
    git(&bare, &["config", "uploadpack.allowFilter", "true"]);
    let clone = root.join("clone");
    git(
        root,
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            &format!("file://{}", bare.display()),
            clone.to_str().unwrap(),
        ],
    );
    clone
}

/// Objects the clone lacks, as `git rev-list --missing=print` lists them
/// (it does not fetch them).
fn missing_objects(clone: &Path) -> Vec<String> {
    let listing = git(
        clone,
        &["rev-list", "--objects", "--all", "--missing=print"],
    );
    listing
        .lines()
        .filter_map(|l| l.strip_prefix('?'))
        .map(String::from)
        .collect()
}

/// Every file under `.git`, with its size and mtime: a fetched object, a
/// rewritten index or a new pack shows here.
fn git_dir_record(clone: &Path) -> BTreeMap<PathBuf, (u64, i64, i64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![clone.join(".git")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let md = std::fs::symlink_metadata(&path).unwrap();
            if md.is_dir() {
                stack.push(path.clone());
            }
            out.insert(path, (md.len(), md.mtime(), md.mtime_nsec()));
        }
    }
    out
}

fn scan(clone: &Path, args: &[&str]) -> Outcome {
    let mut all = vec!["scan", "--format", "json", "--fail-on", "none"];
    all.extend_from_slice(args);
    let out = run_tizim_env(&all, clone, DEADLINE, &[]);
    out.assert_survived();
    out
}

fn emails(out: &Outcome) -> Vec<String> {
    out.report()
        .findings()
        .iter()
        .filter(|f| f["category"] == "email")
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The notices tizim gave for missing blobs, as (path, message).
fn missing_notices(out: &Outcome) -> Vec<(String, String)> {
    out.report()
        .notices()
        .iter()
        .filter(|n| n["reason"] == "missing")
        .map(|n| {
            (
                n["path"].as_str().unwrap_or_default().to_string(),
                n["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const SUMMARY: &str =
    "not scanned: missing from a partial clone; fetch them first, or scan a full clone";

#[test]
fn partial_clone_blobs_are_reported_not_fetched() {
    let root = common::temp_dir("tizim-partial-");
    let clone = partial_clone(root.path());
    // Staged: a new file in the index (its blob is local).
    std::fs::write(clone.join("staged.txt"), format!("{STAGED_EMAIL}\n")).unwrap();
    git(&clone, &["add", "staged.txt"]);
    let missing_before = missing_objects(&clone);
    assert_eq!(
        missing_before.len(),
        2,
        "the clone should lack the two old versions of customers.csv: {missing_before:?}"
    );
    let record_before = git_dir_record(&clone);

    // --git: the old versions are listed, the present blobs still scanned.
    let history = scan(&clone, &["--git"]);
    assert_eq!(history.code, Some(0), "{}", history.stderr);
    let notices = missing_notices(&history);
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices.iter().all(|(p, m)| p == "customers.csv"
            && missing_before.iter().any(|id| m.contains(id.as_str()))
            && m.contains("commit ")),
        "{notices:?}"
    );
    assert_eq!(history.report().skipped("missing"), 2);
    assert!(
        history.stderr.contains(&format!("2 blobs {SUMMARY}")),
        "{}",
        history.stderr
    );
    // new.txt (present) is scanned; the old customers.csv content is not.
    assert_eq!(emails(&history), vec!["new.txt".to_string()]);

    // --since HEAD~1: customers.csv's old side is missing, new.txt is added.
    let since = scan(&clone, &["--since", "HEAD~1"]);
    assert_eq!(since.code, Some(0), "{}", since.stderr);
    let notices = missing_notices(&since);
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].0, "customers.csv");
    assert!(since.stderr.contains(&format!("1 blob {SUMMARY}")));
    assert_eq!(emails(&since), vec!["new.txt".to_string()]);

    // --staged: nothing in HEAD or the index is missing.
    let staged = scan(&clone, &["--staged"]);
    assert_eq!(staged.code, Some(0), "{}", staged.stderr);
    assert!(missing_notices(&staged).is_empty());
    assert_eq!(emails(&staged), vec!["staged.txt".to_string()]);

    // --strict: missing blobs fail the gate (exit 1), with the same listing.
    let strict = scan(&clone, &["--git", "--strict"]);
    assert_eq!(strict.code, Some(1), "{}", strict.stderr);
    assert!(
        strict
            .stderr
            .contains(&format!("2 blobs {SUMMARY} (fail with --strict)")),
        "{}",
        strict.stderr
    );

    assert_eq!(
        missing_objects(&clone),
        missing_before,
        "a scan fetched objects"
    );
    assert_eq!(
        git_dir_record(&clone),
        record_before,
        "a scan wrote into .git"
    );

    // Control: the same clone *does* fetch when plain git is asked to read a
    // missing blob, so the checks above can fail.
    git(&clone, &["cat-file", "-p", &missing_before[0]]);
    assert_eq!(missing_objects(&clone).len(), 1, "plain git did not fetch");
}

/// A script that appends its name and arguments to `log` when run.
fn marker_script(dir: &Path, log: &Path) -> PathBuf {
    let script = dir.join("evil.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$0 $*\" >> '{}'\ncat\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[test]
fn hostile_repository_config_runs_no_program() {
    let root = common::temp_dir("tizim-hostile-git-");
    let clone = partial_clone(root.path());
    let log = root.path().join("ran.log");
    let evil = marker_script(root.path(), &log);
    let evil = evil.to_str().unwrap();
    // Every hook, in a hooks directory the config points at.
    let hooks = root.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    for hook in [
        "pre-commit",
        "post-checkout",
        "post-index-change",
        "reference-transaction",
        "pre-auto-gc",
        "post-rewrite",
        "fsmonitor-watchman",
    ] {
        std::os::unix::fs::symlink(evil, hooks.join(hook)).unwrap();
    }
    let settings = [
        ("core.hooksPath", hooks.to_str().unwrap()),
        ("core.fsmonitor", evil),
        ("core.pager", evil),
        ("pager.log", evil),
        ("pager.diff", evil),
        ("core.askPass", evil),
        ("core.sshCommand", evil),
        ("credential.helper", evil),
        ("diff.external", evil),
        ("diff.evil.command", evil),
        ("diff.evil.textconv", evil),
        ("filter.evil.clean", evil),
        ("filter.evil.smudge", evil),
        ("filter.evil.process", evil),
        ("gpg.program", evil),
        ("log.showSignature", "true"),
        ("core.alternateRefsCommand", evil),
        // A lazy fetch over file:// runs the remote's upload-pack command.
        ("remote.origin.uploadpack", evil),
        ("protocol.allow", "always"),
        ("gc.auto", "1"),
    ];
    for (key, value) in settings {
        git(&clone, &["config", key, value]);
    }
    std::fs::write(
        clone.join(".git/info/attributes"),
        "* diff=evil filter=evil\n",
    )
    .unwrap();
    std::fs::write(clone.join("staged.txt"), format!("{STAGED_EMAIL}\n")).unwrap();
    // Staged without running the clean filter: the test's own git must not
    // trip the marker either.
    git(
        &clone,
        &["-c", "filter.evil.clean=cat", "add", "staged.txt"],
    );
    let _ = std::fs::remove_file(&log);
    let missing_before = missing_objects(&clone);

    for args in [
        &["--git"][..],
        &["--since", "HEAD~2"],
        &["--staged"],
        &["--git", "--format", "table"],
    ] {
        let mut all = vec!["scan", "--fail-on", "none"];
        if !args.contains(&"--format") {
            all.extend(["--format", "json"]);
        }
        all.extend_from_slice(args);
        // A terminal-less run must not page even when told to.
        let out = run_tizim_env(&all, &clone, DEADLINE, &[("GIT_PAGER", evil)]);
        out.assert_survived();
        assert!(
            !log.exists(),
            "tizim {all:?} let git run a program named by the repository's config:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    assert_eq!(missing_objects(&clone), missing_before, "a scan fetched");

    // Control: plain git with this config does run the program (the textconv
    // driver on `log -p`, the external diff on `diff`), so the check above
    // can fail.
    git(&clone, &["log", "-p", "-1", "--", "new.txt"]);
    assert!(
        log.exists(),
        "plain git ran nothing: the hostile config is inert"
    );
}

/// A merge in a partial clone: git's combined diff compares the merge with
/// each parent (renames included) before keeping what is new, so it reads
/// blobs that no single commit's change list names. Here the main line
/// deletes `old.txt` (its blob is then missing from the clone) while a side
/// branch adds `side.txt`: the merge against the side parent deletes
/// `old.txt`, and rename detection would read it. The scan must still
/// finish, find what is present, and fetch nothing.
#[test]
fn partial_clone_with_a_merge_is_scanned_without_fetching() {
    let root = common::temp_dir("tizim-partial-merge-");
    let origin = root.path().join("origin");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q", "-b", "main"]);
    git(&origin, &["config", "user.name", "Test"]);
    git(&origin, &["config", "user.email", "test@tizim.test"]);
    let write = |name: &str, text: &str| std::fs::write(origin.join(name), text).unwrap();
    write(
        "old.txt",
        &format!("{OLD_EMAIL}\nline two of a file long enough to compare\n"),
    );
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "base"]);
    git(&origin, &["checkout", "-q", "-b", "side"]);
    write(
        "side.txt",
        &format!("{NEW_EMAIL}\nline two of a file long enough to compare\n"),
    );
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "side"]);
    git(&origin, &["checkout", "-q", "main"]);
    git(&origin, &["rm", "-q", "old.txt"]);
    write("main.txt", "nothing personal\n");
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "main"]);
    git(&origin, &["merge", "-q", "--no-edit", "side"]);
    let bare = root.path().join("origin.git");
    git(
        root.path(),
        &["clone", "-q", "--bare", "origin", bare.to_str().unwrap()],
    );
    git(&bare, &["config", "uploadpack.allowFilter", "true"]);
    let clone = root.path().join("clone");
    git(
        root.path(),
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            &format!("file://{}", bare.display()),
            clone.to_str().unwrap(),
        ],
    );
    let missing_before = missing_objects(&clone);
    assert_eq!(
        missing_before.len(),
        1,
        "old.txt's blob: {missing_before:?}"
    );

    let history = scan(&clone, &["--git"]);
    assert_eq!(history.code, Some(0), "{}", history.stderr);
    assert_eq!(emails(&history), vec!["side.txt".to_string()]);
    let notices = missing_notices(&history);
    assert!(
        !notices.is_empty() && notices.iter().all(|(p, _)| p == "old.txt"),
        "{notices:?}"
    );
    assert_eq!(missing_objects(&clone), missing_before, "a scan fetched");
}
