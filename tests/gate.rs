//! The CI gate end to end: exit codes, baselines, inline allow, allow rules,
//! and git-scoped scans (--staged, --since, --git) on real repositories
//! built with the git CLI in temporary directories.
//!
//! The PII planted here is e-mail addresses: every detector set finds them.

mod common;

use common::{gzip, isolate, ndjson, output, scan_ndjson, tizim, tree_with};
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

const ALICE: &str = "aigerim.nurlanova@mail.kz";
const BOB: &str = "bolat.seitkali@inbox.kz";
const CAROL: &str = "dana.omarova@halykmail.kz";
const DAVE: &str = "yerlan.abenov@post.kz";

struct Repo {
    dir: TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test Author"]);
        repo.git(&["config", "user.email", "author@tizim.test"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo.git(&["config", "core.autocrlf", "false"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git_at(&self, date: &str, args: &[&str]) -> String {
        let mut cmd = std::process::Command::new("git");
        isolate(&mut cmd);
        let out = cmd
            .current_dir(self.path())
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
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

    /// Runs git and returns whether it succeeded (for expected failures).
    fn git_may_fail(&self, args: &[&str]) -> bool {
        let mut cmd = std::process::Command::new("git");
        isolate(&mut cmd);
        cmd.current_dir(self.path())
            .args(args)
            .output()
            .expect("git runs")
            .status
            .success()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_at("2024-01-01T00:00:00+05:00", args)
    }

    fn write(&self, name: &str, text: &str) {
        common::write(&self.path().join(name), text);
    }

    fn commit_all(&self, date: &str, message: &str) -> String {
        self.git_at(date, &["add", "-A"]);
        self.git_at(date, &["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }
}

fn live(findings: &[Value]) -> Vec<&Value> {
    findings
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .collect()
}

fn lines_of(findings: &[&Value]) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = findings
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            (
                path.strip_prefix("./").unwrap_or(path).to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn git_history_finds_pii_committed_then_deleted() {
    let repo = Repo::new();
    repo.write("README.md", "# project\n");
    repo.commit_all("2023-01-01T09:00:00+05:00", "init");
    repo.write(
        "data/customers.csv",
        &format!("name,email\nAigerim,{ALICE}\n"),
    );
    let added = repo.commit_all("2023-02-03T10:20:30+05:00", "add customers");
    std::fs::remove_file(repo.path().join("data/customers.csv")).unwrap();
    repo.commit_all("2023-02-04T10:00:00+05:00", "oops, remove customers");
    // The same value again in the same file later, and in another file.
    repo.write("data/customers.csv", &format!("email\n{ALICE}\n"));
    repo.write("notes.txt", &format!("ask {ALICE}\n"));
    let readded = repo.commit_all("2023-03-01T10:00:00+05:00", "re-add");

    std::fs::remove_file(repo.path().join("data/customers.csv")).unwrap();
    std::fs::remove_file(repo.path().join("notes.txt")).unwrap();
    repo.commit_all("2023-03-02T10:00:00+05:00", "clean");
    let now = scan_ndjson(repo.path(), &[]);
    assert_eq!(now.code, 0, "the work tree is clean: {}", now.stderr);
    assert!(now.findings.is_empty());

    let history = scan_ndjson(repo.path(), &["--git"]);
    assert_eq!(history.code, 1, "{}", history.stderr);
    let found = live(&history.findings);
    assert_eq!(
        lines_of(&found),
        vec![
            ("data/customers.csv".to_string(), 2),
            ("notes.txt".to_string(), 1)
        ],
        "{:#?}",
        history.findings
    );
    let customers = found
        .iter()
        .find(|f| f["path"] == "data/customers.csv")
        .unwrap();
    // De-duplicated by fingerprint + path, keeping the earliest commit.
    assert_eq!(customers["commit"], added.as_str());
    assert_eq!(customers["author_date"], "2023-02-03T10:20:30+05:00");
    let notes = found.iter().find(|f| f["path"] == "notes.txt").unwrap();
    assert_eq!(notes["commit"], readded.as_str());
    assert_eq!(customers["fingerprint"], notes["fingerprint"]);
    let out = serde_json::to_string(&history.findings).unwrap();
    assert!(!out.contains(ALICE), "raw value in output");
}

#[test]
fn git_history_reports_what_a_merge_itself_adds() {
    let repo = Repo::new();
    repo.write("contacts.txt", "one\ntwo\nthree\n");
    repo.commit_all("2023-01-01T09:00:00+00:00", "init");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("contacts.txt", &format!("one\n{BOB}\nthree\n"));
    let side = repo.commit_all("2023-01-02T09:00:00+00:00", "side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("contacts.txt", "one\nTWO\nthree\n");
    repo.commit_all("2023-01-03T09:00:00+00:00", "main");
    assert!(
        !repo.git_may_fail(&["merge", "-q", "side"]),
        "the merge should conflict"
    );
    // Resolved by hand, adding a value that is in neither parent.
    repo.write("contacts.txt", &format!("one\n{BOB}\n{CAROL}\nthree\n"));
    let merge = repo.commit_all("2023-01-04T09:00:00+00:00", "merge side");

    let history = scan_ndjson(repo.path(), &["--git"]);
    assert_eq!(history.code, 1, "{}", history.stderr);
    let found = live(&history.findings);
    assert_eq!(found.len(), 2, "{:#?}", history.findings);
    let by_line = |line: u64| {
        found
            .iter()
            .find(|f| f["line"] == line)
            .unwrap_or_else(|| panic!("no finding on line {line}: {found:#?}"))
    };
    assert_eq!(by_line(2)["commit"], side.as_str());
    assert_eq!(by_line(3)["commit"], merge.as_str());
}

#[test]
fn git_history_handles_renames_and_binary_files() {
    let repo = Repo::new();
    let body: String = (0..12).map(|i| format!("row {i}\n")).collect();
    repo.write("a.txt", &format!("x\n{ALICE}\n{body}"));
    let first = repo.commit_all("2023-01-01T09:00:00+00:00", "add");
    repo.git(&["mv", "a.txt", "b.txt"]);
    repo.write("b.txt", &format!("x\n{ALICE}\n{body}y\n"));
    repo.commit_all("2023-01-02T09:00:00+00:00", "rename and edit");
    // git treats *.bin as binary (no line diff); the value is read from the blob.
    repo.write(".gitattributes", "*.bin binary\n");
    repo.write("export.bin", &format!("header\n{DAVE}\n"));
    let binary = repo.commit_all("2023-01-03T09:00:00+00:00", "binary");
    // A compressed dump, committed and deleted: decompressed by the source stage.
    let dump_sql = format!("INSERT INTO t VALUES ('{CAROL}');\n");
    std::fs::write(repo.path().join("dump.sql.gz"), gzip(dump_sql.as_bytes())).unwrap();
    let dump = repo.commit_all("2023-01-04T09:00:00+00:00", "dump");
    repo.git(&["rm", "-q", "dump.sql.gz"]);
    repo.commit_all("2023-01-05T09:00:00+00:00", "remove dump");

    let history = scan_ndjson(repo.path(), &["--git"]);
    let found = live(&history.findings);
    assert_eq!(
        lines_of(&found),
        vec![
            ("a.txt".to_string(), 2),
            ("dump.sql.gz".to_string(), 1),
            ("export.bin".to_string(), 2)
        ],
        "a rename is not a new finding: {:#?}",
        history.findings
    );
    let commit_of =
        |path: &str| found.iter().find(|f| f["path"] == path).unwrap()["commit"].clone();
    assert_eq!(commit_of("a.txt"), first.as_str());
    assert_eq!(commit_of("export.bin"), binary.as_str());
    assert_eq!(commit_of("dump.sql.gz"), dump.as_str());
}

#[test]
fn staged_sees_only_staged_lines() {
    let repo = Repo::new();
    repo.write("app/users.txt", &format!("header\n{ALICE}\nfooter\n"));
    repo.commit_all("2023-01-01T09:00:00+00:00", "init");
    // Staged: one new line in the middle, at line 3 of the new file.
    repo.write(
        "app/users.txt",
        &format!("header\n{ALICE}\n{BOB}\nfooter\n"),
    );
    repo.git(&["add", "app/users.txt"]);
    // Not staged: a work-tree change to the same file and an untracked file.
    repo.write(
        "app/users.txt",
        &format!("header\n{ALICE}\n{BOB}\nfooter\n{CAROL}\n"),
    );
    repo.write("untracked.txt", &format!("{DAVE}\n"));

    let staged = scan_ndjson(repo.path(), &["--staged"]);
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    assert_eq!(
        lines_of(&live(&staged.findings)),
        vec![("app/users.txt".to_string(), 3)],
        "{:#?}",
        staged.findings
    );
    assert!(staged.findings[0].get("commit").is_none());

    // Limited to a path inside the repository, from a subdirectory.
    std::fs::create_dir_all(repo.path().join("docs")).unwrap();
    repo.write("docs/x.txt", &format!("{DAVE}\n"));
    repo.git(&["add", "docs/x.txt"]);
    let limited = ndjson(
        tizim(&repo.path().join("docs")).args(["scan", "--format", "ndjson", "--staged", "."]),
    );
    assert_eq!(
        lines_of(&live(&limited.findings)),
        vec![("docs/x.txt".to_string(), 1)],
        "{}",
        limited.stderr
    );

    // Nothing staged: passes.
    repo.commit_all("2023-01-02T09:00:00+00:00", "commit");
    let clean = scan_ndjson(repo.path(), &["--staged"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert!(clean.findings.is_empty());
}

#[test]
fn staged_binary_files_report_only_new_values() {
    let repo = Repo::new();
    // No line diff for *.dat: git reports "Binary files differ".
    repo.write(".gitattributes", "*.dat -diff\n");
    repo.write("dump.dat", &format!("bin\n{ALICE}\n"));
    repo.commit_all("2023-01-01T09:00:00+00:00", "init");
    repo.write("dump.dat", &format!("bin\n{ALICE}\n{BOB}\n"));
    repo.git(&["add", "dump.dat"]);
    let staged = scan_ndjson(repo.path(), &["--staged"]);
    assert_eq!(
        lines_of(&live(&staged.findings)),
        vec![("dump.dat".to_string(), 3)],
        "{}",
        staged.stderr
    );
}

/// Added lines go through the same decoding as files: a cp1251 line gives
/// the column a scan of the file gives (characters, not bytes), and
/// `--encoding` applies to diffs too.
#[test]
fn staged_lines_are_decoded_like_the_file() {
    let repo = Repo::new();
    repo.write("README.md", "# project\n");
    repo.commit_all("2023-01-01T09:00:00+00:00", "init");
    let text = format!("ФИО;Почта\nИванов Иван;{ALICE}\n");
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
    std::fs::write(repo.path().join("cp1251.txt"), &cp1251).unwrap();
    repo.write("utf8.txt", &text);
    repo.git(&["add", "cp1251.txt", "utf8.txt"]);

    // The e-mail's position (the name before it is a finding too).
    let position = |run: &common::Ndjson, path: &str| {
        let f = live(&run.findings)
            .into_iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(path) && f["category"] == "email")
            .unwrap_or_else(|| panic!("nothing in {path}: {:#?}", run.findings));
        (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap())
    };
    let staged = scan_ndjson(repo.path(), &["--staged"]);
    let files = scan_ndjson(repo.path(), &["cp1251.txt", "utf8.txt"]);
    for path in ["cp1251.txt", "utf8.txt"] {
        // "Иванов Иван;" is 12 characters (12 bytes in cp1251, 22 in UTF-8).
        assert_eq!(position(&staged, path), (2, 13), "{}", staged.stderr);
        assert_eq!(position(&staged, path), position(&files, path));
    }

    // Forced to cp1251, the UTF-8 file is read a byte a character, in a
    // diff as in a file.
    let forced = ["--encoding", "windows-1251"];
    let staged = scan_ndjson(repo.path(), &[&forced[..], &["--staged"]].concat());
    let files = scan_ndjson(
        repo.path(),
        &[&forced[..], &["cp1251.txt", "utf8.txt"]].concat(),
    );
    assert_eq!(position(&staged, "utf8.txt"), (2, 23), "{}", staged.stderr);
    assert_eq!(position(&staged, "cp1251.txt"), (2, 13));
    for path in ["cp1251.txt", "utf8.txt"] {
        assert_eq!(position(&staged, path), position(&files, path));
    }
}

#[test]
fn since_scans_what_the_branch_adds() {
    let repo = Repo::new();
    repo.write("a.txt", &format!("{ALICE}\n"));
    repo.commit_all("2023-01-01T09:00:00+00:00", "init");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("a.txt", &format!("{ALICE}\nplain\n{BOB}\n"));
    repo.commit_all("2023-01-02T09:00:00+00:00", "feature");
    repo.git(&["checkout", "-q", "main"]);
    // Added on main after the branch point: not the pull request's doing.
    repo.write("main-only.txt", &format!("{CAROL}\n"));
    repo.commit_all("2023-01-03T09:00:00+00:00", "main moves on");
    repo.git(&["checkout", "-q", "feature"]);
    // Uncommitted changes are not part of --since.
    repo.write("wip.txt", &format!("{DAVE}\n"));

    let since = scan_ndjson(repo.path(), &["--since", "main"]);
    assert_eq!(since.code, 1, "{}", since.stderr);
    assert_eq!(
        lines_of(&live(&since.findings)),
        vec![("a.txt".to_string(), 3)],
        "{:#?}",
        since.findings
    );

    let bad = scan_ndjson(repo.path(), &["--since", "no-such-branch"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown revision"), "{}", bad.stderr);
}

#[test]
fn git_modes_outside_a_repository_are_fatal() {
    let dir = tree_with(&[("a.txt", "nothing\n")]);
    for mode in [&["--staged"][..], &["--git"], &["--since", "HEAD"]] {
        let r = scan_ndjson(dir.path(), mode);
        assert_eq!(r.code, 2, "{mode:?}: {}", r.stderr);
        assert!(r.stderr.contains("git"), "{}", r.stderr);
    }
}

#[test]
fn exit_code_for_each_fail_on() {
    let dir = tree_with(&[("logs/app.log", &format!("login {ALICE}\n"))]);
    let clean = tree_with(&[("a.txt", "nothing personal\n")]);
    // Without a policy everything is undeclared and nothing is prohibited.
    for (fail_on, expected) in [
        (None, 1),
        (Some("any"), 1),
        (Some("undeclared"), 1),
        (Some("prohibited"), 0),
        (Some("none"), 0),
    ] {
        let mut args = vec![];
        if let Some(f) = fail_on {
            args.extend(["--fail-on", f]);
        }
        let r = scan_ndjson(dir.path(), &args);
        assert_eq!(r.code, expected, "--fail-on {fail_on:?}: {}", r.stderr);
        assert_eq!(live(&r.findings).len(), 1);
        let c = scan_ndjson(clean.path(), &args);
        assert_eq!(c.code, 0, "clean tree, --fail-on {fail_on:?}");
    }
    let usage = scan_ndjson(dir.path(), &["--fail-on", "sometimes"]);
    assert_eq!(usage.code, 2);
    assert!(usage.stderr.contains("any, undeclared, prohibited, none"));
    let usage = scan_ndjson(dir.path(), &["--min-confidence", "absolute"]);
    assert_eq!(usage.code, 2);
}

#[test]
fn unreadable_paths_fail_only_with_strict() {
    let dir = tree_with(&[("a.txt", "nothing personal\n")]);
    let lax = scan_ndjson(dir.path(), &[".", "missing.txt"]);
    assert_eq!(lax.code, 0, "{}", lax.stderr);
    assert!(lax.stderr.contains("unreadable"), "{}", lax.stderr);
    let strict = scan_ndjson(dir.path(), &["--strict", ".", "missing.txt"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
}

#[test]
fn baseline_survives_inserted_lines_and_edits() {
    let dir = tree_with(&[(
        "fixtures/users.sql",
        &format!("-- users\nINSERT INTO users VALUES (1, '{ALICE}');\n"),
    )]);
    let parent = dir.path().parent().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    // Created from outside the tree, used from inside it: paths are relative.
    let created = output(tizim(parent).args(["baseline", "create", name]));
    assert_eq!(created.code, 0, "{}", created.stderr);
    let baseline = created.stdout;
    assert!(!baseline.contains(ALICE), "raw value in the baseline");
    assert!(!baseline.contains("\"line\""), "{baseline}");
    assert!(baseline.contains("\"fixtures/users.sql\""), "{baseline}");
    let baseline_path = parent.join(format!("{name}-baseline.json"));
    std::fs::write(&baseline_path, &baseline).unwrap();
    let with_baseline =
        |dir: &Path| scan_ndjson(dir, &["--baseline", baseline_path.to_str().unwrap()]);

    let r = with_baseline(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0]["suppressed"], "baseline");
    assert!(r.stderr.contains("1 suppressed"), "{}", r.stderr);

    // Ten lines inserted above the finding, and the line itself edited.
    let inserted: String = (0..10).map(|i| format!("-- note {i}\n")).collect();
    std::fs::write(
        dir.path().join("fixtures/users.sql"),
        format!("{inserted}-- users\nINSERT INTO users VALUES (1,'{ALICE}'); -- edited\n"),
    )
    .unwrap();
    let r = with_baseline(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.findings[0]["line"], 12);
    assert_eq!(r.findings[0]["suppressed"], "baseline");

    // A new value fails, alone.
    let mut text = std::fs::read_to_string(dir.path().join("fixtures/users.sql")).unwrap();
    text.push_str(&format!("INSERT INTO users VALUES (2, '{BOB}');\n"));
    std::fs::write(dir.path().join("fixtures/users.sql"), text).unwrap();
    let r = with_baseline(dir.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        lines_of(&live(&r.findings)),
        vec![("fixtures/users.sql".into(), 13)]
    );

    // The same value in another file is not covered.
    std::fs::write(dir.path().join("other.txt"), format!("{ALICE}\n")).unwrap();
    let r = with_baseline(dir.path());
    assert!(lines_of(&live(&r.findings)).contains(&("other.txt".into(), 1)));

    // Made with a shared key, it holds fingerprints, and a run with another
    // key would match nothing: refused (tests/keys.rs has the rest).
    let keyed = output(
        tizim(dir.path())
            .args(["baseline", "create"])
            .env("TIZIM_FINGERPRINT_KEY", "the first key, long enough"),
    );
    assert_eq!(keyed.code, 0, "{}", keyed.stderr);
    std::fs::write(&baseline_path, &keyed.stdout).unwrap();
    let r = output(
        tizim(dir.path())
            .args(["scan", "--baseline", baseline_path.to_str().unwrap()])
            .env("TIZIM_FINGERPRINT_KEY", "another key, also long enough"),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("fingerprint key"), "{}", r.stderr);
}

#[test]
fn baseline_applies_to_git_scans() {
    let repo = Repo::new();
    repo.write("seed/users.csv", &format!("email\n{ALICE}\n"));
    repo.commit_all("2023-01-01T09:00:00+00:00", "seed data");
    // Without a shared key a baseline cannot tell a moved value from a new
    // one in a diff: refused, rather than silently passing new values.
    let refused = output(tizim(repo.path()).args(["baseline", "create", "--git"]));
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("shared"), "{}", refused.stderr);
    let team = |cmd: &mut assert_cmd::Command| {
        cmd.env("TIZIM_FINGERPRINT_KEY", "the team's key, long enough");
    };
    let mut create = tizim(repo.path());
    team(&mut create);
    let created = output(create.args(["baseline", "create", "--git"]));
    assert_eq!(created.code, 0, "{}", created.stderr);
    std::fs::write(repo.path().join(".tizim-baseline.json"), created.stdout).unwrap();
    repo.write("seed/users.csv", &format!("email\nfirst\n{ALICE}\n{BOB}\n"));
    repo.git(&["add", "seed/users.csv"]);
    // Re-adding the baselined value (moved down a line) does not fail; the new one does.
    let mut scan = tizim(repo.path());
    team(&mut scan);
    let r = ndjson(scan.args([
        "scan",
        "--format",
        "ndjson",
        "--staged",
        "--baseline",
        ".tizim-baseline.json",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        lines_of(&live(&r.findings)),
        vec![("seed/users.csv".to_string(), 4)]
    );
    // A location baseline (no shared key) is refused for diff scans too.
    let plain = output(tizim(repo.path()).args(["baseline", "create"]));
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    std::fs::write(repo.path().join("plain.json"), plain.stdout).unwrap();
    let r = scan_ndjson(repo.path(), &["--staged", "--baseline", "plain.json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("location"), "{}", r.stderr);
}

#[test]
fn inline_allow_suppresses_its_line_only() {
    let dir = tree_with(&[(
        "app.conf",
        &format!("support = {ALICE}  # tizim:allow\nowner = {BOB}\n"),
    )]);
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.findings.len(), 2);
    let suppressed: Vec<&Value> = r
        .findings
        .iter()
        .filter(|f| f["suppressed"] == "inline")
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["line"], 1);
    assert_eq!(lines_of(&live(&r.findings)), vec![("app.conf".into(), 2)]);

    std::fs::write(
        dir.path().join("app.conf"),
        format!("support = {ALICE}  # tizim:allow\n"),
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("1 suppressed"), "{}", r.stderr);

    // The same in a staged diff.
    let repo = Repo::new();
    repo.write("a.txt", &format!("{ALICE} tizim:allow\n{BOB}\n"));
    repo.git(&["add", "a.txt"]);
    let r = scan_ndjson(repo.path(), &["--staged"]);
    assert_eq!(lines_of(&live(&r.findings)), vec![("a.txt".into(), 2)]);
    assert_eq!(r.findings.len(), 2);
}

#[test]
fn allow_rules_in_dot_tizim_toml() {
    let dir = tree_with(&[
        ("tests/fixtures/users.csv", &format!("email\n{ALICE}\n")),
        ("src/main.txt", &format!("owner {BOB}\n")),
    ]);
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(live(&r.findings).len(), 2);
    let bob = r
        .findings
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("main.txt"))
        .unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();

    std::fs::write(
        dir.path().join(".tizim.toml"),
        "[allow]\npaths = [\"tests/fixtures/**\"]\n",
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 1);
    let allowed: Vec<&Value> = r
        .findings
        .iter()
        .filter(|f| f["suppressed"] == "allow.paths")
        .collect();
    assert_eq!(allowed.len(), 1);
    assert!(allowed[0]["path"].as_str().unwrap().ends_with("users.csv"));

    std::fs::write(
        dir.path().join(".tizim.toml"),
        format!("[allow]\npaths = [\"tests/fixtures/**\"]\nfingerprints = [\"{bob}\"]\n"),
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r
        .findings
        .iter()
        .any(|f| f["suppressed"] == "allow.fingerprints"));
    assert!(r.stderr.contains("2 suppressed"), "{}", r.stderr);

    std::fs::write(
        dir.path().join(".tizim.toml"),
        "[allow]\ndetectors = [\"email\"]\n",
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r
        .findings
        .iter()
        .all(|f| f["suppressed"] == "allow.detectors"));

    // Mistakes are usage errors that say where.
    std::fs::write(
        dir.path().join(".tizim.toml"),
        "[allow]\npaths = [\"x\"]\ndetector = [\"email\"]\n",
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
    std::fs::write(
        dir.path().join(".tizim.toml"),
        "[allow]\ndetectors = [\"e-mail-typo\"]\n",
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("e-mail-typo"), "{}", r.stderr);
}

#[test]
fn junit_marks_failures_and_escapes() {
    let dir = tree_with(&[
        ("a&b <c>.txt", &format!("{ALICE}\n")),
        ("ok.txt", &format!("{BOB} tizim:allow\n")),
    ]);
    let out = output(tizim(dir.path()).args(["scan", "--format", "junit"]));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let xml = out.stdout;
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("a&amp;b &lt;c&gt;.txt"), "{xml}");
    assert!(!xml.contains("a&b"), "unescaped: {xml}");
    assert!(
        !xml.contains(ALICE) && !xml.contains(BOB),
        "raw value: {xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<skipped ").count(), 1, "{xml}");
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.trim_end().ends_with("</testsuites>"));
}

#[test]
fn git_scans_honour_globs_and_read_bare_repositories() {
    let repo = Repo::new();
    repo.write("app.log", &format!("{ALICE}\n"));
    repo.write("src/users.txt", &format!("{BOB}\n"));
    repo.commit_all("2023-01-01T09:00:00+00:00", "init");
    let r = scan_ndjson(repo.path(), &["--git", "--glob", "!*.log"]);
    assert_eq!(
        lines_of(&live(&r.findings)),
        vec![("src/users.txt".to_string(), 1)],
        "{}",
        r.stderr
    );

    let bare = tempfile::tempdir().unwrap();
    let bare_repo = bare.path().join("mirror.git");
    repo.git(&["clone", "-q", "--bare", ".", bare_repo.to_str().unwrap()]);
    let r = scan_ndjson(bare.path(), &["--git", "mirror.git"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(live(&r.findings).len(), 2);
    let r = scan_ndjson(bare.path(), &["--staged", "mirror.git"]);
    assert_eq!(r.code, 2, "no index in a bare repository");
}

const POLICY: &str = r#"
[operator]
name = "Test LLP"

[[purpose]]
id = "support"
title = "Customer support"
categories = ["email"]
retention = "none"
locations = ["support/**"]
"#;

#[test]
fn exit_code_for_each_fail_on_with_a_policy() {
    let dir = tree_with(&[
        ("tizim.toml", POLICY),
        ("support/ticket.txt", &format!("from {ALICE}\n")),
        ("logs/app.log", &format!("login {ALICE}\n")),
        // A sandbox card: found, never fails a gate.
        ("logs/pay.log", "paid with 4111 1111 1111 1111\n"),
    ]);
    // The e-mail in logs/ is declared for support/ only: out of place.
    for (fail_on, expected) in [
        (None, 1),
        (Some("undeclared"), 1),
        (Some("any"), 1),
        (Some("prohibited"), 0),
        (Some("none"), 0),
    ] {
        let mut args = vec![];
        if let Some(f) = fail_on {
            args.extend(["--fail-on", f]);
        }
        let r = scan_ndjson(dir.path(), &args);
        assert_eq!(r.code, expected, "--fail-on {fail_on:?}: {}", r.stderr);
        assert!(
            r.findings.iter().any(|f| f["test"] == true),
            "the sandbox card is reported: {:#?}",
            r.findings
        );
    }
    std::fs::remove_file(dir.path().join("logs/app.log")).unwrap();
    // Only declared data and a test value left.
    assert_eq!(scan_ndjson(dir.path(), &[]).code, 0);
    assert_eq!(scan_ndjson(dir.path(), &["--fail-on", "any"]).code, 1);

    // A category the policy promises never to store.
    std::fs::write(
        dir.path().join("tizim.toml"),
        format!(
            "prohibited = [\"email\"]\n{}",
            POLICY.replace("[\"email\"]", "[\"phone\"]")
        ),
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &["--fail-on", "prohibited"]);
    assert_eq!(r.code, 1, "{}", r.stderr);

    // [allow] in the policy file suppresses like .tizim.toml does: the
    // purpose now covers another place, and the allow rule covers support/.
    let moved = POLICY.replace("support/**", "crm/**");
    std::fs::write(
        dir.path().join("tizim.toml"),
        format!("{moved}\n[allow]\npaths = [\"support/**\"]\n"),
    )
    .unwrap();
    let r = scan_ndjson(dir.path(), &["--fail-on", "any"]);
    assert!(r
        .findings
        .iter()
        .all(|f| f["suppressed"] == "allow.paths" || f["test"] == true));
    let r = scan_ndjson(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.findings.iter().any(|f| f["suppressed"] == "allow.paths"));
}
