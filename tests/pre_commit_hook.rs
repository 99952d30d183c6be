//! The pre-commit hook of `.pre-commit-hooks.yaml`, run the way a user's
//! project runs it: `pre-commit try-repo` (the pre-commit package from PyPI;
//! `.ci/run` installs it) on a project whose staged lines add personal data,
//! then on one whose staged lines are clean.
//!
//! The `tizim-system` hook is used: `language: system` runs the tizim on
//! PATH (here the one cargo built) and installs nothing, so the test needs
//! no network. (The `tizim` hook, `language: rust`, would `cargo install`
//! from crates.io.)

mod common;

use common::{isolate, temp_dir, tizim_bin};
use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new("git");
    isolate(&mut cmd);
    let out = cmd.current_dir(dir).args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `python3 -m pre_commit ARGS` in `project`, with tizim on PATH and
/// pre-commit's cache in `cache`.
fn pre_commit(project: &Path, cache: &Path, args: &[&str]) -> Output {
    let bin_dir = tizim_bin().parent().unwrap().to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let path =
        std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&path))).unwrap();
    let mut cmd = Command::new("python3");
    isolate(&mut cmd);
    cmd.args(["-m", "pre_commit"])
        .args(args)
        .current_dir(project)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", cache)
        .env("PRE_COMMIT_COLOR", "never")
        .output()
        .expect("python3 runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn pre_commit_try_repo_blocks_staged_personal_data() {
    let scratch = temp_dir("tizim-pre-commit-");
    let cache = scratch.path().join("cache");
    let version = pre_commit(scratch.path(), &cache, &["--version"]);
    if !version.status.success() {
        common::ci::skip(&format!(
            "pre-commit is not installed (python3 -m pip install pre-commit): {}",
            text(&version)
        ));
        return;
    }
    let project = scratch.path().join("project");
    std::fs::create_dir(&project).unwrap();
    git(&project, &["init", "-q", "-b", "main"]);
    git(&project, &["config", "user.name", "Test"]);
    git(&project, &["config", "user.email", "test@tizim.test"]);
    std::fs::write(project.join("README.md"), "# project\n").unwrap();
    git(&project, &["add", "README.md"]);
    git(&project, &["commit", "-q", "-m", "init"]);

    let tizim_repo = env!("CARGO_MANIFEST_DIR");
    let try_repo = ["try-repo", tizim_repo, "tizim-system", "--verbose"];

    std::fs::write(
        project.join("customers.csv"),
        "name,email\nAigerim,aigerim.nurlanova@mail.kz\n",
    )
    .unwrap();
    git(&project, &["add", "customers.csv"]);
    let blocked = pre_commit(&project, &cache, &try_repo);
    let output = text(&blocked);
    assert_eq!(blocked.status.code(), Some(1), "{output}");
    assert!(output.contains("Failed"), "{output}");
    assert!(output.contains("customers.csv"), "{output}");
    assert!(output.contains("gate failed"), "{output}");
    assert!(
        !output.contains("aigerim.nurlanova@mail.kz"),
        "the hook printed the raw value: {output}"
    );

    std::fs::write(project.join("customers.csv"), "name,email\nnobody,-\n").unwrap();
    git(&project, &["add", "customers.csv"]);
    let passed = pre_commit(&project, &cache, &try_repo);
    let output = text(&passed);
    assert_eq!(passed.status.code(), Some(0), "{output}");
    assert!(output.contains("Passed"), "{output}");
}
