//! Nothing scanned is ever modified, and nothing is written next to it.
//!
//! A tree with every kind of source tizim reads (plain text, gz, bz2, xz,
//! zst, zip, tar.gz, an archive nested in an archive, cp1251, UTF-16 with and
//! without BOM, SQL, CSV, JSON, NDJSON, a git repository, plus a copy of the
//! repository's fixtures/) is recorded: for every file, directory and
//! symlink, its type, size, mode, inode, mtime and ctime (ctime moves on any
//! metadata write, chmod and utime included) and the sha256 of its content.
//! The tree is scanned in every output format and scan mode; after each run
//! the record must be identical and no entry may have appeared. Access times
//! are left out of that record (reading may move them on some mounts); a
//! separate test checks that tizim's reads leave them alone (O_NOATIME).

mod common;

use common::{bzip2, gzip, isolate, run_tizim, tar, xz, zip};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const DEADLINE: Duration = Duration::from_secs(120);

#[derive(Debug, PartialEq, Eq)]
struct Entry {
    kind: &'static str,
    size: u64,
    mode: u32,
    inode: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    sha256: Option<String>,
    link: Option<PathBuf>,
}

fn record(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let md = fs::symlink_metadata(&path).unwrap();
            let ft = md.file_type();
            let kind = if ft.is_dir() {
                stack.push(path.clone());
                "dir"
            } else if ft.is_symlink() {
                "symlink"
            } else if ft.is_file() {
                "file"
            } else {
                "special"
            };
            out.insert(
                path.strip_prefix(root).unwrap().to_path_buf(),
                Entry {
                    kind,
                    size: md.len(),
                    mode: md.mode(),
                    inode: md.ino(),
                    mtime: (md.mtime(), md.mtime_nsec()),
                    ctime: (md.ctime(), md.ctime_nsec()),
                    sha256: ft
                        .is_file()
                        .then(|| format!("{:x}", Sha256::digest(fs::read(&path).unwrap()))),
                    link: ft.is_symlink().then(|| fs::read_link(&path).unwrap()),
                },
            );
        }
    }
    out
}

fn assert_same(before: &BTreeMap<PathBuf, Entry>, after: &BTreeMap<PathBuf, Entry>, run: &str) {
    let appeared: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let vanished: Vec<_> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    assert!(appeared.is_empty(), "`{run}` created {appeared:?}");
    assert!(vanished.is_empty(), "`{run}` removed {vanished:?}");
    for (path, entry) in before {
        assert_eq!(
            Some(entry),
            after.get(path),
            "`{run}` changed {}",
            path.display()
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let mut cmd = Command::new("git");
    isolate(&mut cmd);
    let out = cmd
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git is installed (.ci/run installs it)");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tar_gz_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let dated: Vec<(&str, &[u8], u64)> = members
        .iter()
        .map(|&(name, data)| (name, data, 1_700_000_000))
        .collect();
    gzip(&tar(&dated))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else if e.file_type().unwrap().is_file() {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Every kind of source, each with personal data in it.
fn write_tree(root: &Path) {
    let log = "2024-03-01 INFO login ivan.petrov@mail.kz iin 850315300128 tel +7 701 234 56 78\n";
    let put = |name: &str, data: &[u8]| common::write(&root.join(name), data);
    put("plain/app.log", log.as_bytes());
    put("compressed/app.log.gz", &gzip(log.as_bytes()));
    put("compressed/app.log.bz2", &bzip2(log.as_bytes()));
    put("compressed/app.log.xz", &xz(log.as_bytes()));
    put(
        "compressed/app.log.zst",
        &zstd::encode_all(log.as_bytes(), 3).unwrap(),
    );
    let zip = zip(&[("logs/app.log", log.as_bytes()), ("readme.txt", b"nothing")]);
    put("archives/backup.zip", &zip);
    put(
        "archives/logs.tar.gz",
        &tar_gz_of(&[("var/log/app.log", log.as_bytes())]),
    );
    put(
        "archives/nested.tar.gz",
        &tar_gz_of(&[("inner/backup.zip", &zip)]),
    );
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("ФИО;ИИН\nИванов Иван;850315300128\n");
    put("encodings/export-cp1251.csv", &cp1251);
    let text = "Контакт: ivan.petrov@mail.kz\r\nИИН 850315300128\r\n";
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    put("encodings/unicode-bom.txt", &utf16);
    let no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    put("encodings/unicode-nobom.txt", &no_bom);
    put(
        "db/dump.sql",
        b"CREATE TABLE public.clients (id integer, iin text);\n\
          COPY public.clients (id, iin) FROM stdin;\n1\t850315300128\n\\.\n\
          INSERT INTO `users` (`id`,`email`) VALUES (1,'ivan.petrov@mail.kz');\n",
    );
    put(
        "db/clients.csv",
        "ФИО;ИИН;Телефон\nИванов Иван;850315300128;+7 701 234 56 78\n".as_bytes(),
    );
    put(
        "db/profile.json",
        br#"{"user":{"iin":"850315300128","contacts":{"email":"ivan.petrov@mail.kz"}}}"#,
    );
    put(
        "db/events.ndjson",
        b"{\"email\":\"ivan.petrov@mail.kz\"}\n{\"phone\":\"+77012345678\"}\n",
    );
    std::os::unix::fs::symlink("plain/app.log", root.join("link-to-app.log")).unwrap();

    // A git repository: PII committed and then deleted (for --git), and a
    // staged change (for --staged).
    let repo = root.join("repo");
    fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    fs::write(repo.join("customers.txt"), log).unwrap();
    fs::write(repo.join("README.md"), "# project\n").unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "add data"]);
    fs::remove_file(repo.join("customers.txt")).unwrap();
    git(&repo, &["commit", "-q", "-a", "-m", "remove data"]);
    fs::write(
        repo.join("README.md"),
        "# project\ncontact ivan.petrov@mail.kz\n",
    )
    .unwrap();
    git(&repo, &["add", "README.md"]);

    // The repository's own fixtures, whatever the other issues put there.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    if fixtures.is_dir() {
        copy_dir(&fixtures, &root.join("fixtures"));
    }
}

fn tree() -> (tempfile::TempDir, PathBuf) {
    let dir = common::temp_dir("tizim-untouched-");
    let root = dir.path().join("tree");
    write_tree(&root);
    (dir, root)
}

#[test]
fn no_scan_changes_or_adds_anything() {
    let (dir, root) = tree();
    let repo = root.join("repo");
    let formats = [
        "table", "ndjson", "json", "csv", "markdown", "html", "sarif", "junit",
    ];
    // (working directory, arguments)
    let mut runs: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for f in formats {
        runs.push((
            root.clone(),
            ["scan", "--format", f, "--no-ignore", "--hidden", "."]
                .map(String::from)
                .to_vec(),
        ));
    }
    let more: [&[&str]; 6] = [
        &["scan", "--format", "json", "--follow", "--hidden", "."],
        &[
            "scan",
            "--format",
            "json",
            "--no-structure",
            "--hidden",
            ".",
        ],
        &["scan", "--format", "json", "--max-archive-depth", "8", "."],
        &[
            "scan",
            "--format",
            "json",
            "--encoding",
            "windows-1251",
            "encodings",
        ],
        &["baseline", "create", "--hidden", "."],
        &["scan", "--format", "json", "--files-from", "-", "."],
    ];
    for a in more {
        runs.push((root.clone(), a.iter().map(|s| s.to_string()).collect()));
    }
    let git_runs: [&[&str]; 3] = [
        &["scan", "--format", "json", "--git", "."],
        &["scan", "--format", "json", "--staged", "."],
        &["scan", "--format", "json", "--since", "HEAD~1", "."],
    ];
    for a in git_runs {
        runs.push((repo.clone(), a.iter().map(|s| s.to_string()).collect()));
    }

    let before = record(dir.path());
    assert!(
        before.len() > 30,
        "the tree has only {} entries",
        before.len()
    );
    let mut finding_runs = 0;
    for (cwd, args) in &runs {
        let out = run_tizim(args, cwd, DEADLINE);
        out.assert_survived();
        finding_runs += usize::from(out.code == Some(1));
        assert_same(&before, &record(dir.path()), &args.join(" "));
    }
    // The tree is full of personal data: a scan that finds none of it
    // proves nothing about reading it.
    assert!(
        finding_runs >= formats.len(),
        "only {finding_runs} of {} runs reported findings",
        runs.len()
    );
}

fn set_times(path: &Path, atime: i64, mtime: i64) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    let times = [
        libc::timespec {
            tv_sec: atime,
            tv_nsec: 0,
        },
        libc::timespec {
            tv_sec: mtime,
            tv_nsec: 0,
        },
    ];
    // SAFETY: valid path and a two-element times array, as utimensat wants.
    let r = unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), 0) };
    assert_eq!(r, 0, "utimensat: {}", std::io::Error::last_os_error());
}

fn atime(path: &Path) -> i64 {
    fs::metadata(path).unwrap().atime()
}

/// A tmpfs mounted with `strictatime` (every read moves the access time)
/// on a directory of a temporary directory, unmounted when dropped.
struct StrictatimeMount {
    target: std::ffi::CString,
}

impl StrictatimeMount {
    /// Needs root (CAP_SYS_ADMIN); the error says why not otherwise.
    fn new(target: &Path) -> std::io::Result<StrictatimeMount> {
        fs::create_dir_all(target)?;
        let c = |s: &[u8]| std::ffi::CString::new(s).unwrap();
        let target = c(target.as_os_str().as_encoded_bytes());
        let (source, fstype, data) = (c(b"tmpfs"), c(b"tmpfs"), c(b"size=512m,mode=0700"));
        // SAFETY: valid NUL-terminated strings; a plain mount(2).
        let r = unsafe {
            libc::mount(
                source.as_ptr(),
                target.as_ptr(),
                fstype.as_ptr(),
                libc::MS_STRICTATIME | libc::MS_NOSUID | libc::MS_NODEV,
                data.as_ptr().cast(),
            )
        };
        if r == 0 {
            Ok(StrictatimeMount { target })
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

impl Drop for StrictatimeMount {
    fn drop(&mut self) {
        // SAFETY: unmounting the mount this value made; MNT_DETACH so a
        // straggling reader cannot keep it.
        unsafe { libc::umount2(self.target.as_ptr(), libc::MNT_DETACH) };
    }
}

/// Whether reading a file in `dir` moves its access time: a control file,
/// backdated two days (so that `relatime` would move it too), is read.
fn records_reads(dir: &Path, old: i64) -> bool {
    let control = dir.join("control.txt");
    fs::write(&control, "control").unwrap();
    set_times(&control, old, old - 86_400);
    fs::read(&control).unwrap();
    let moved = atime(&control) != old;
    fs::remove_file(&control).unwrap();
    moved
}

/// An audit leaves no trace: the files tizim reads keep their access time
/// (O_NOATIME). Files are backdated two days, so that even a `relatime`
/// mount would move their atime on an ordinary read.
///
/// The tree is made on a scratch tmpfs mounted with `strictatime` when this
/// test may mount (root), else in the temporary directory if a control file
/// shows that it records reads. On a `noatime` file system without the right
/// to mount, the test fails: it never passes without checking.
#[test]
fn reading_leaves_access_times_alone() {
    let dir = common::temp_dir("tizim-atime-");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let old = now - 2 * 86_400;
    let scratch = dir.path().join("strictatime");
    let (mount, base) = match StrictatimeMount::new(&scratch) {
        Ok(mount) => (Some(mount), scratch),
        Err(e) => {
            eprintln!("no strictatime scratch mount ({e}); using the temporary directory");
            (None, dir.path().to_path_buf())
        }
    };
    assert!(
        records_reads(&base, old),
        "{} does not record access times on read (noatime?), and a strictatime tmpfs \
         could not be mounted (that needs root): this test cannot check anything here. \
         Run it as root, or with TMPDIR on a file system mounted with relatime or strictatime.",
        base.display()
    );
    let root = base.join("tree");
    write_tree(&root);
    let files: Vec<PathBuf> = record(&root)
        .into_iter()
        .filter(|(p, e)| {
            e.kind == "file"
                && !p.starts_with("repo")
                && !p.ends_with(".gitignore")
                && !p.ends_with(".ignore")
        })
        .map(|(p, _)| root.join(p))
        .collect();
    assert!(files.len() > 20, "only {} files to read", files.len());
    for f in &files {
        set_times(f, old, old - 86_400);
    }

    let out = run_tizim(
        ["scan", "--format", "json", "--no-ignore", "--hidden", "."],
        &root,
        DEADLINE,
    );
    out.assert_survived();
    assert!(out.report().files_scanned() as usize >= files.len() / 2);
    let touched: Vec<_> = files.iter().filter(|f| atime(f) != old).collect();
    assert!(
        touched.is_empty(),
        "reading moved the access time of {} of {} files (no O_NOATIME?): {touched:?}",
        touched.len(),
        files.len()
    );
    // Control, on the same files: a plain read does move them here.
    fs::read(&files[0]).unwrap();
    assert_ne!(atime(&files[0]), old, "a plain read left the access time");
    drop(mount);
}
