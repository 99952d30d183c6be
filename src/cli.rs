//! Command-line interface: parses arguments, runs the pipeline, writes
//! output, picks the exit code. The only module that prints.

use clap::{Args, Parser, Subcommand};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use tizim::detect::{Engine, FingerprintKey};
use tizim::gate::allow::LocalSettings;
use tizim::gate::baseline::{BaselineBuilder, Identity};
use tizim::gate::git::{GitScope, GitTarget};
use tizim::gate::{self, allow, Baseline, FailOn, Gate, GateConfig, Suppress, Suppressions};
use tizim::inventory;
use tizim::model::{Confidence, Finding};
use tizim::policy::{self, Policy};
use tizim::report::{self, Format, Report};
use tizim::scan::{self, Collect, FindingSink, ScanOptions, ScanSummary, Shard, StdinSource};
use tizim::source::SourceOptions;
use tizim::walk::WalkOptions;

/// Exit codes (see README, "Exit codes").
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "tizim",
    version,
    about = "Find personal data and map it against declared purposes (Law 94-V)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files, directories, dumps and archives for personal data
    Scan(ScanArgs),
    /// Write a demo tree to a temporary directory and scan it
    Demo(DemoArgs),
    /// Check or draft a policy file (tizim.toml)
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Record current findings so that only new ones fail a gate
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// List the loaded detectors
    Detectors {
        /// Also load the *.toml detectors in this directory
        #[arg(long, value_name = "DIR")]
        detectors: Option<PathBuf>,
    },
    /// Merge partial reports (--format partial) into one report
    Merge(MergeArgs),
    /// Print shell completions
    Completions { shell: clap_complete::Shell },
    /// Fingerprint keys
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Print a new random fingerprint key (for a key file or a CI secret)
    New {
        /// Write it to FILE (created with mode 0600; an existing file is
        /// never overwritten) instead of stdout
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Partial reports: files, directories of them, or - for stdin
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Output format (any but partial)
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: Format,
    /// Write the report to FILE (created with mode 0600) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Policy file the merged inventory is judged against
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// What fails the run: any, undeclared, prohibited, none
    #[arg(long, value_name = "WHAT")]
    pub fail_on: Option<String>,
    /// Ignore findings below this confidence
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<ConfidenceArg>,
    /// Unreadable files in any part fail the run too
    #[arg(long)]
    pub strict: bool,
    /// No summary on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Validate a policy file; errors carry line numbers
    Check { file: PathBuf },
    /// Draft a policy file from a privacy-policy text (Russian, Kazakh or English;
    /// .txt, .html, .md, .docx, .odt, .rtf or .pdf)
    Import { file: PathBuf },
    /// What a revised policy file adds, removes and prohibits. Exit 0: no
    /// change; 1: changes (listed on stdout); 2: a file is missing or invalid
    Diff { old: PathBuf, new: PathBuf },
}

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Print a baseline of the current findings (fingerprint + path + detector)
    Create(ScanArgs),
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Output format of the demo scan
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Keep the demo tree in this directory instead of a temporary one
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    /// Files, directories or database URLs to scan [default: .]
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, short = 'f', value_enum, default_value = "table")]
    pub format: Format,
    /// Write the report to FILE (created with mode 0600) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Policy file [default: tizim.toml at the scan root, if present]
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Also load the *.toml detectors in this directory
    #[arg(long, value_name = "DIR")]
    pub detectors: Option<PathBuf>,
    /// Key for value fingerprints, given as text (other users may see it in
    /// the process list: prefer --fingerprint-key-file)
    /// [default: the installation key, random, in the user's config directory]
    #[arg(
        long,
        env = "TIZIM_FINGERPRINT_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub fingerprint_key: Option<String>,
    /// File holding the key for value fingerprints (make one with `tizim key new`)
    #[arg(long, env = "TIZIM_FINGERPRINT_KEY_FILE", value_name = "PATH")]
    pub fingerprint_key_file: Option<PathBuf>,
    /// Print raw values. Output then contains personal data
    #[arg(long)]
    pub show_values: bool,
    /// No progress bar or summary on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,

    // Walking
    /// Do not honour .gitignore / .ignore files
    #[arg(long)]
    pub no_ignore: bool,
    /// Scan hidden files and directories
    #[arg(long, short = '.')]
    pub hidden: bool,
    /// Follow symbolic links (loops are reported)
    #[arg(long, short = 'L')]
    pub follow: bool,
    /// Skip files larger than this (e.g. 500M, 2G)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_filesize: Option<u64>,
    /// Include (or, with a leading !, exclude) paths matching GLOB; repeatable
    #[arg(long, short = 'g', value_name = "GLOB")]
    pub glob: Vec<String>,
    /// Worker threads [default: number of cores]
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Read paths to scan from FILE, one a line (- for stdin)
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    // Decoding and archives
    /// Force the text encoding (an encoding_rs label: windows-1251, utf-16le …)
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
    /// Deepest archive nesting opened (outer!inner!…)
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub max_archive_depth: u32,
    /// Most bytes decompressed from one stream or archive member
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "4G")]
    pub max_decompressed: u64,
    /// Largest compression ratio tolerated before a stream counts as a bomb
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_ratio: u64,
    /// Encodings undone one inside another to find values (JWT, base64, hex,
    /// HTML entities, JSON \u escapes, quoted-printable); 0 turns decoding off
    #[arg(long, value_name = "N", default_value_t = tizim::detect::DEFAULT_MAX_DECODE_DEPTH)]
    pub max_decode_depth: u32,
    /// Scan SQL, CSV and JSON as plain text (no table.column attribution)
    #[arg(long)]
    pub no_structure: bool,

    // Databases (scan arguments postgres://, mysql://, mariadb://, sqlite:///, redis://)
    /// Rows read a table (keys a Redis key pattern) at most; more are sampled (0 = all)
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub sample_rows: u64,
    /// Seed of the table samples: the same seed reads the same rows again
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub sample_seed: u64,
    /// Longest one database query may run or wait for a lock, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub db_timeout: f64,
    /// Read only tables whose schema.table (Redis: key pattern) matches GLOB; repeatable
    #[arg(long, value_name = "GLOB")]
    pub db_include: Vec<String>,
    /// Skip tables whose schema.table (Redis: key pattern) matches GLOB; repeatable
    #[arg(long, value_name = "GLOB")]
    pub db_exclude: Vec<String>,
    /// Connections to one database server; tables are read in parallel
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub db_connections: usize,
    /// The column dating a table's rows: schema.table=column; repeatable
    #[arg(long, value_name = "TABLE=COLUMN", value_parser = parse_row_time)]
    pub db_row_time: Vec<(String, String)>,

    // Gate
    /// What fails the run: any, undeclared, prohibited, none
    /// [default: undeclared with a policy, any (medium+) without]
    #[arg(long, value_name = "WHAT")]
    pub fail_on: Option<String>,
    /// Ignore findings below this confidence
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<ConfidenceArg>,
    /// Unreadable files, git blobs missing from a partial clone, and formats not read (.doc,
    /// images, encrypted PDF) fail the run too
    #[arg(long)]
    pub strict: bool,
    /// Only findings not in this baseline fail the run
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Scan only the lines added in the git index (pre-commit)
    #[arg(long, conflicts_with_all = ["since", "git"])]
    pub staged: bool,
    /// Scan only the lines added since REV (pull requests)
    #[arg(long, value_name = "REV", conflicts_with = "git")]
    pub since: Option<String>,
    /// Scan the added lines of every commit in the git history
    #[arg(long)]
    pub git: bool,

    // Scale-out (see README, "Scale out")
    /// Scan only shard I of N: files are split by a stable hash of their
    /// path relative to the scan root
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Write PREFIX before every path (e.g. host17:), to keep the hosts of a
    /// fleet apart in one merged inventory
    #[arg(long, value_name = "PREFIX")]
    pub location_prefix: Option<String>,
    /// Path a `-` argument (standard input) is reported under; its name
    /// picks the format, as a file's does [default: <stdin>]
    #[arg(long, value_name = "PATH")]
    pub stdin_name: Option<String>,
    /// Modification time of the `-` stream, Unix seconds (for retention)
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub stdin_modified: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfidenceArg {
    Low,
    Medium,
    High,
}

impl From<ConfidenceArg> for Confidence {
    fn from(c: ConfidenceArg) -> Confidence {
        match c {
            ConfidenceArg::Low => Confidence::Low,
            ConfidenceArg::Medium => Confidence::Medium,
            ConfidenceArg::High => Confidence::High,
        }
    }
}

/// `schema.table=column`.
fn parse_row_time(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((t, c)) if !t.is_empty() && !c.is_empty() => Ok((t.to_string(), c.to_string())),
        _ => Err(format!("expected schema.table=column, got {s:?}")),
    }
}

/// `10M`, `2G`, `512k`, or plain bytes.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let mult = match c.to_ascii_lowercase() {
                'k' => 1u64 << 10,
                'm' => 1 << 20,
                'g' => 1 << 30,
                't' => 1 << 40,
                _ => return Err(format!("unknown size suffix in {s:?} (use K, M, G or T)")),
            };
            (&s[..i], mult)
        }
        _ => (s, 1),
    };
    num.parse::<u64>()
        .map(|n| n.saturating_mul(mult))
        .map_err(|_| format!("not a size: {s:?}"))
}

impl ScanArgs {
    pub fn roots(&self) -> Vec<PathBuf> {
        if self.paths.is_empty() && self.files_from.is_none() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        }
    }

    /// The scan's options, with the fingerprint key already resolved
    /// ([`fingerprint_key`]).
    pub fn scan_options(&self, fingerprint_key: FingerprintKey) -> ScanOptions {
        ScanOptions {
            walk: WalkOptions {
                respect_ignore: !self.no_ignore,
                hidden: self.hidden,
                follow: self.follow,
                max_filesize: self.max_filesize,
                globs: self.glob.clone(),
                threads: self.threads,
                files_from: self.files_from.clone(),
            },
            source: SourceOptions {
                encoding: self.encoding.clone(),
                max_archive_depth: self.max_archive_depth,
                max_decompressed: self.max_decompressed,
                max_ratio: self.max_ratio,
                structured: !self.no_structure,
                db: tizim::source::db::DbOptions {
                    sample_rows: self.sample_rows,
                    sample_seed: self.sample_seed,
                    timeout: std::time::Duration::from_secs_f64(
                        self.db_timeout.clamp(0.001, 86_400.0),
                    ),
                    include: self.db_include.clone(),
                    exclude: self.db_exclude.clone(),
                    connections: self.db_connections.max(1),
                    row_time: self.db_row_time.clone(),
                    shard: self.shard,
                },
            },
            fingerprint_key,
            show_values: self.show_values,
            shard: self.shard,
            location_prefix: self.location_prefix.clone(),
            stdin: StdinSource {
                name: self.stdin_name.clone(),
                modified: self.stdin_modified,
            },
        }
    }

    /// Arguments that contradict each other in ways clap cannot see.
    fn validate_sources(&self) -> Result<(), String> {
        let stdin_args = self
            .paths
            .iter()
            .filter(|p| p.as_os_str() == scan::STDIN_ARGUMENT)
            .count();
        if stdin_args > 1 {
            return Err("`-` (standard input) can be given once".into());
        }
        if stdin_args == 1 && self.files_from.as_deref() == Some(std::path::Path::new("-")) {
            return Err("`-` and --files-from - both read standard input".into());
        }
        let git = self.staged || self.since.is_some() || self.git;
        if git && (self.shard.is_some() || stdin_args == 1) {
            return Err(
                "--shard and `-` cannot be combined with --staged, --since or --git".into(),
            );
        }
        Ok(())
    }

    pub fn engine(&self) -> Result<Engine, String> {
        let mut engine = match &self.detectors {
            Some(dir) => Engine::with_user_dir(dir),
            None => Engine::builtin(),
        }
        .map_err(|e| e.to_string())?;
        engine.set_max_decode_depth(self.max_decode_depth);
        Ok(engine)
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Scan(args) => run_scan(&args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "tizim", &mut io::stdout());
            Ok(EXIT_OK)
        }
        Command::Detectors { detectors } => list_detectors(detectors),
        Command::Policy(cmd) => run_policy(cmd),
        Command::Demo(args) => run_demo(&args),
        Command::Baseline(BaselineCommand::Create(args)) => run_baseline_create(&args),
        Command::Merge(args) => crate::merge::run_merge(&args),
        Command::Key(KeyCommand::New { output }) => run_key_new(output.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            let _ = writeln!(io::stderr(), "tizim: error: {msg}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `tizim key new`: a fresh key on stdout, or in a new file of mode 0600
/// (never over an existing key file: the fingerprints and baselines made
/// with that key would be lost with it).
fn run_key_new(output: Option<&std::path::Path>) -> Result<u8, String> {
    let key = tizim::key::new_key_text()?;
    match output {
        None => {
            let _ = writeln!(io::stdout(), "{key}");
        }
        Some(path) => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            opts.open(path)
                .and_then(|mut file| writeln!(file, "{key}"))
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(EXIT_OK)
}

/// `policy check`: a summary and exit 0, or every error with its line and
/// exit 2. `policy import`: the drafted TOML on stdout. `policy diff`: the
/// changes, exit 1 when there are any.
fn run_policy(cmd: PolicyCommand) -> Result<u8, String> {
    match cmd {
        PolicyCommand::Check { file } => {
            let shown = file.display();
            let policy = match policy::load(&file) {
                Ok(p) => p,
                Err(errors) => {
                    let mut err = io::stderr().lock();
                    for e in &errors {
                        let _ = match e.line {
                            Some(line) => writeln!(err, "{shown}:{line}: error: {}", e.message),
                            None => writeln!(err, "{shown}: error: {}", e.message),
                        };
                    }
                    let _ = writeln!(err, "tizim: {shown}: {} error(s)", errors.len());
                    return Ok(EXIT_ERROR);
                }
            };
            let mut err = io::stderr().lock();
            for w in policy.warnings() {
                let _ = writeln!(err, "{shown}: warning: {w}");
            }
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "{shown}: OK");
            if !policy.operator.name.is_empty() {
                let bin = policy
                    .operator
                    .bin
                    .as_deref()
                    .map(|b| format!(" (BIN {b})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "operator: {}{bin}", policy.operator.name);
            }
            let _ = writeln!(out, "purposes: {}", policy.purposes.len());
            let id_width = policy.purposes.iter().map(|p| p.id.chars().count()).max();
            for p in &policy.purposes {
                let categories: Vec<&str> = p.categories.iter().map(|c| c.id()).collect();
                let places = if p.locations.is_empty() {
                    "anywhere".to_string()
                } else {
                    p.locations.join(", ")
                };
                let _ = writeln!(
                    out,
                    "  {:<width$}  {:>5}  {}  ({places})",
                    p.id,
                    p.retention.to_string(),
                    categories.join(", "),
                    width = id_width.unwrap_or(0)
                );
            }
            let prohibited: Vec<&str> = policy.prohibited.iter().map(|c| c.id()).collect();
            let _ = writeln!(
                out,
                "prohibited: {}",
                if prohibited.is_empty() {
                    "none".to_string()
                } else {
                    prohibited.join(", ")
                }
            );
            Ok(EXIT_OK)
        }
        PolicyCommand::Diff { old, new } => {
            let load = |path: &PathBuf| {
                policy::load(path).map_err(|errors| {
                    let list: Vec<String> = errors
                        .iter()
                        .map(|e| match e.line {
                            Some(line) => format!("{}:{line}: {}", path.display(), e.message),
                            None => format!("{}: {}", path.display(), e.message),
                        })
                        .collect();
                    format!("invalid policy file:\n{}", list.join("\n"))
                })
            };
            let changes = policy::diff::diff(&load(&old)?, &load(&new)?);
            let mut out = io::stdout().lock();
            for line in &changes {
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
            Ok(if changes.is_empty() {
                EXIT_OK
            } else {
                EXIT_FINDINGS
            })
        }
        PolicyCommand::Import { file } => {
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let draft = policy::import::draft_file(&file, &bytes)?;
            io::stdout()
                .lock()
                .write_all(draft.as_bytes())
                .map_err(|e| e.to_string())?;
            Ok(EXIT_OK)
        }
    }
}

fn list_detectors(dir: Option<PathBuf>) -> Result<u8, String> {
    let engine = match dir {
        Some(d) => Engine::with_user_dir(&d),
        None => Engine::builtin(),
    }
    .map_err(|e| e.to_string())?;
    let mut out = io::stdout().lock();
    for d in engine.detectors() {
        let _ = writeln!(
            out,
            "{:<20} {:<18} {}",
            d.id,
            d.category.id(),
            d.description
        );
    }
    Ok(EXIT_OK)
}

/// Where report output goes: stdout, or a file created with mode 0600.
pub(crate) fn open_output(path: Option<&std::path::Path>) -> Result<Box<dyn Write + Send>, String> {
    match path {
        // Buffered: NDJSON is written a finding at a time, and bare stdout
        // is line-buffered (a write call per finding).
        None => Ok(Box::new(io::BufWriter::with_capacity(
            1 << 16,
            io::stdout(),
        ))),
        Some(p) => {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let file = opts.open(p).map_err(|e| format!("{}: {e}", p.display()))?;
            // `mode` applies only to files it creates; an existing report
            // file may have been readable by others.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| format!("{}: {e}", p.display()))?;
            }
            Ok(Box::new(io::BufWriter::new(file)))
        }
    }
}

/// The policy in force: `--policy FILE`, else `tizim.toml` in the first scan root.
fn find_policy(args: &ScanArgs) -> Result<Option<Policy>, String> {
    let path = match &args.policy {
        Some(p) => p.clone(),
        None => {
            let root = args
                .roots()
                .into_iter()
                .next()
                .unwrap_or_else(|| PathBuf::from("."));
            let candidate = if root.is_dir() {
                root.join("tizim.toml")
            } else {
                PathBuf::from("tizim.toml")
            };
            if !candidate.is_file() {
                return Ok(None);
            }
            candidate
        }
    };
    load_policy(&path).map(Some)
}

/// Loads a policy file; every error, with its line, in one message.
pub(crate) fn load_policy(path: &std::path::Path) -> Result<Policy, String> {
    policy::load(path).map_err(|errors| {
        let list: Vec<String> = errors
            .iter()
            .map(|e| format!("  {}: {e}", path.display()))
            .collect();
        format!("invalid policy file:\n{}", list.join("\n"))
    })
}

fn gate_config(args: &ScanArgs, policy: Option<&Policy>) -> Result<GateConfig, String> {
    gate_config_from(
        args.fail_on.as_deref(),
        args.min_confidence,
        args.strict,
        policy,
    )
}

pub(crate) fn gate_config_from(
    fail_on: Option<&str>,
    min_confidence: Option<ConfidenceArg>,
    strict: bool,
    policy: Option<&Policy>,
) -> Result<GateConfig, String> {
    let defaults = GateConfig::default_for(policy);
    let fail_on = match fail_on {
        Some(id) => FailOn::from_id(id).ok_or_else(|| {
            format!(
                "--fail-on: unknown value {id:?} ({})",
                FailOn::IDS.join(", ")
            )
        })?,
        None => defaults.fail_on,
    };
    Ok(GateConfig {
        fail_on,
        min_confidence: min_confidence.map_or(defaults.min_confidence, Into::into),
        strict,
    })
}

/// The git scope asked for (`--staged`, `--since`, `--git`), with the
/// repository the paths are in.
fn git_target(args: &ScanArgs) -> Result<Option<(GitScope, GitTarget)>, String> {
    let scope = if args.staged {
        GitScope::Staged
    } else if let Some(rev) = &args.since {
        GitScope::Since(rev.clone())
    } else if args.git {
        GitScope::History
    } else {
        return Ok(None);
    };
    if args.files_from.is_some() {
        return Err("--files-from cannot be combined with --staged, --since or --git".into());
    }
    let target = gate::git::locate(&args.paths).map_err(|e| e.to_string())?;
    Ok(Some((scope, target)))
}

/// The directory whose `.tizim.toml` applies: the repository's top level
/// for git scans, else the first scan root that is a directory, else `.`.
fn settings_dir(args: &ScanArgs, git: Option<&(GitScope, GitTarget)>) -> PathBuf {
    match git {
        Some((_, target)) => target.toplevel.clone(),
        None => args
            .roots()
            .into_iter()
            .next()
            .filter(|r| r.is_dir())
            .unwrap_or_else(|| PathBuf::from(".")),
    }
}

/// The fingerprint key: `--fingerprint-key` / `TIZIM_FINGERPRINT_KEY`,
/// `--fingerprint-key-file` / `TIZIM_FINGERPRINT_KEY_FILE`,
/// `fingerprint_key_file` in `.tizim.toml`, else the installation key.
/// Warnings about it (a guessable key, a key file others can read) go to
/// stderr even with --quiet: they are about what the reports give away.
fn fingerprint_key(
    args: &ScanArgs,
    local: Option<&LocalSettings>,
) -> Result<FingerprintKey, String> {
    let loaded = tizim::key::resolve(&tizim::key::KeySettings {
        given: args.fingerprint_key.as_deref(),
        file: args.fingerprint_key_file.as_deref(),
        configured_file: local.and_then(|l| l.fingerprint_key_file.as_deref()),
    })?;
    let mut err = io::stderr().lock();
    for w in &loaded.warnings {
        let _ = writeln!(err, "tizim: warning: {w}");
    }
    Ok(loaded.key)
}

/// What a scan needs before it starts: `.tizim.toml`, the fingerprint key,
/// the scan options.
fn prepare(
    args: &ScanArgs,
    git: Option<&(GitScope, GitTarget)>,
) -> Result<(Option<LocalSettings>, ScanOptions), String> {
    let local = allow::load_local_settings(&settings_dir(args, git))?;
    let key = fingerprint_key(args, local.as_ref())?;
    Ok((local, args.scan_options(key)))
}

/// Allow rules (`[allow]` in the policy, `.tizim.toml` at the scan root) and,
/// given the scan's `key`, the `--baseline` in force (checked against it).
fn suppressions(
    args: &ScanArgs,
    policy: Option<&Policy>,
    git: Option<&(GitScope, GitTarget)>,
    local: Option<&LocalSettings>,
    engine: &Engine,
    key: Option<&FingerprintKey>,
) -> Result<Suppressions, String> {
    let prefix = args.location_prefix.as_deref().unwrap_or("");
    let roots: Vec<String> = match git {
        // git prints paths relative to the top level already.
        Some(_) => Vec::new(),
        None => args
            .roots()
            .iter()
            .map(|r| format!("{prefix}{}", r.display()))
            .collect(),
    };
    let tables = policy
        .map(|p| &p.allow)
        .into_iter()
        .chain(local.map(|l| &l.allow));
    let allow = gate::AllowRules::compile(tables)?;
    let mut known: Vec<&str> = engine.detectors().iter().map(|d| d.id.as_str()).collect();
    known.push("column-name");
    let unknown = allow.unknown_detectors(&known);
    if !unknown.is_empty() {
        return Err(format!(
            "allow: unknown detector {} (see `tizim detectors`)",
            unknown.join(", ")
        ));
    }
    let baseline = match (&args.baseline, key) {
        (Some(path), Some(key)) => {
            let baseline = Baseline::load(path, key)?;
            if git.is_some() && baseline.identity() == Identity::Location {
                return Err(format!("{}: {LOCATION_IN_DIFFS}", path.display()));
            }
            Some(baseline)
        }
        _ => None,
    };
    Ok(Suppressions {
        allow,
        baseline,
        roots,
    })
}

/// Why location baselines and diff scans do not mix.
const LOCATION_IN_DIFFS: &str = "a location baseline (made without a shared fingerprint key) \
    counts the findings of each file, and a diff (--staged, --since, --git) holds only some of \
    them, so it cannot tell a moved value from a new one: create the baseline with a shared key \
    (--fingerprint-key-file, TIZIM_FINGERPRINT_KEY_FILE or fingerprint_key_file in .tizim.toml) \
    and scan with the same key";

/// Runs the scan (a walk, or what git says was added) with suppressions
/// applied on the way to `sink`.
fn execute(
    args: &ScanArgs,
    engine: &Engine,
    opts: &ScanOptions,
    git: Option<&(GitScope, GitTarget)>,
    rules: &Suppressions,
    sink: &dyn FindingSink,
) -> Result<ScanSummary, String> {
    let suppress = Suppress::new(rules, sink);
    let mut summary = match git {
        Some((scope, target)) => {
            gate::git::scan(scope, target, opts, engine, &suppress).map_err(|e| e.to_string())?
        }
        None => scan::run_targets(&args.roots(), opts, engine, &suppress)?,
    };
    suppress.finish(&mut summary);
    Ok(summary)
}

/// `tizim baseline create`: scans like `tizim scan` (allow rules apply, any
/// `--baseline` is ignored) and prints the baseline.
fn run_baseline_create(args: &ScanArgs) -> Result<u8, String> {
    let engine = args.engine()?;
    let policy = find_policy(args)?;
    let git = git_target(args)?;
    let (local, opts) = prepare(args, git.as_ref())?;
    if git.is_some() && Identity::for_key(&opts.fingerprint_key) == Identity::Location {
        return Err(LOCATION_IN_DIFFS.replace("a location baseline", "a baseline"));
    }
    let rules = suppressions(
        args,
        policy.as_ref(),
        git.as_ref(),
        local.as_ref(),
        &engine,
        None,
    )?;
    struct BaselineSink<'r> {
        roots: &'r [String],
        builder: Mutex<BaselineBuilder>,
    }
    impl FindingSink for BaselineSink<'_> {
        fn finding(&self, finding: Finding) {
            let relative = gate::relative_path(&finding.path, self.roots);
            self.builder
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(relative, &finding);
        }
    }
    let sink = BaselineSink {
        roots: &rules.roots,
        builder: Mutex::new(BaselineBuilder::new(Identity::for_key(
            &opts.fingerprint_key,
        ))),
    };
    let summary = execute(args, &engine, &opts, git.as_ref(), &rules, &sink)?;
    let builder = sink.builder.into_inner().unwrap_or_else(|e| e.into_inner());
    let entries = builder.len();
    let mut out = open_output(args.output.as_deref())?;
    builder
        .write(&opts.fingerprint_key, &mut out)
        .and_then(|_| out.flush())
        .map_err(|e| e.to_string())?;
    if !args.quiet {
        let mut err = io::stderr().lock();
        for e in &summary.errors {
            let _ = writeln!(err, "tizim: {}: {}", e.path, e.message);
        }
        let _ = writeln!(
            err,
            "tizim: baseline of {entries} entries ({} findings, {} suppressed)",
            summary.stats.findings, summary.stats.suppressed
        );
    }
    Ok(EXIT_OK)
}

/// Streams NDJSON as findings arrive, keeping only the gate's counters, so
/// memory does not grow with the number of findings. (NDJSON has no
/// inventory: building one here cost a tenth of the scan and most of its
/// memory for nothing.)
struct Streaming<'p> {
    out: Box<dyn Write + Send>,
    gate: Gate<'p>,
}

/// The stream, and the id of the key the findings are fingerprinted with
/// (on every line).
struct StreamingSink<'p>(Mutex<Streaming<'p>>, &'p str);

impl FindingSink for StreamingSink<'_> {
    fn finding(&self, finding: Finding) {
        self.findings(&mut vec![finding]);
    }

    /// Serialises the batch before taking the lock, so worker threads only
    /// queue for one `write_all` and the gate's counters.
    fn findings(&self, batch: &mut Vec<Finding>) {
        let mut lines = Vec::with_capacity(batch.len() * 320);
        for finding in batch.iter() {
            tizim::report::ndjson::write_line(finding, self.1, &mut lines);
        }
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // A closed pipe (`| head`) must not panic; the scan just has nobody to tell.
        let _ = s.out.write_all(&lines);
        for finding in batch.drain(..) {
            s.gate.add(&finding);
        }
    }
}

fn run_scan(args: &ScanArgs) -> Result<u8, String> {
    args.validate_sources()?;
    let engine = args.engine()?;
    let git = git_target(args)?;
    let (local, opts) = prepare(args, git.as_ref())?;
    if let Some(label) = &opts.source.encoding {
        tizim::source::decode::encoding_for_label(label).map_err(|e| format!("--encoding: {e}"))?;
    }
    tizim::walk::validate(&opts.walk)?;
    let show_bar = !args.quiet && io::stderr().is_terminal();
    let policy = find_policy(args)?;
    let gate_config = gate_config(args, policy.as_ref())?;
    let rules = suppressions(
        args,
        policy.as_ref(),
        git.as_ref(),
        local.as_ref(),
        &engine,
        Some(&opts.fingerprint_key),
    )?;
    let today = chrono::Local::now().date_naive();
    // Not silenced by --quiet: whoever reads the output must be told it holds raw data.
    if args.show_values {
        let _ = writeln!(
            io::stderr(),
            "tizim: warning: --show-values prints raw personal data; do not share this output"
        );
    }
    let out = open_output(args.output.as_deref())?;
    let (summary, verdict) = if args.format == Format::Ndjson {
        let sink = StreamingSink(
            Mutex::new(Streaming {
                out,
                gate: Gate::new(gate_config, policy.as_ref(), today),
            }),
            opts.fingerprint_key.id_str(),
        );
        let tracked = crate::progress::Tracked::new(&sink, show_bar);
        let scanned = execute(args, &engine, &opts, git.as_ref(), &rules, &tracked);
        tracked.finish();
        drop(tracked);
        let summary = scanned?;
        let mut s = sink.0.into_inner().unwrap_or_else(|e| e.into_inner());
        s.out.flush().map_err(|e| e.to_string())?;
        let verdict = s.gate.verdict(&summary);
        (summary, verdict)
    } else {
        let collect = Collect::default();
        let tracked = crate::progress::Tracked::new(&collect, show_bar);
        let scanned = execute(args, &engine, &opts, git.as_ref(), &rules, &tracked);
        tracked.finish();
        drop(tracked);
        let summary = scanned?;
        let mut findings = collect.into_findings();
        findings.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        if args.format == Format::Partial {
            let mut builder = inventory::InventoryBuilder::new(policy.as_ref(), today);
            builder.tables(&summary.tables);
            findings.iter().for_each(|f| builder.add(f));
            let header = tizim::partial::Header::new(
                &opts.fingerprint_key,
                opts.shard.map(|s| s.to_string()),
                opts.location_prefix.clone(),
            );
            let mut out = out;
            tizim::partial::write(header, &findings, &builder, &summary, &mut out)
                .and_then(|_| out.flush())
                .map_err(|e| e.to_string())?;
            let mut gate = Gate::new(gate_config, policy.as_ref(), today);
            findings.iter().for_each(|f| gate.add(f));
            return Ok(finish_scan(args, &summary, gate.verdict(&summary)));
        }
        let inventory =
            inventory::build_with_tables(&findings, &summary.tables, policy.as_ref(), today);
        let report = Report {
            findings: &findings,
            inventory: &inventory,
            policy: policy.as_ref(),
            summary: &summary,
            detectors: engine.detectors(),
            key: &opts.fingerprint_key,
        };
        let mut out = out;
        let rendered = match args.format {
            Format::Table => report::table::render(&report, &mut out, colour_stdout(args)),
            format => report::render(format, &report, &gate_config, today, &mut out),
        };
        rendered
            .and_then(|_| out.flush())
            .map_err(|e| e.to_string())?;
        let mut gate = Gate::new(gate_config, policy.as_ref(), today);
        findings.iter().for_each(|f| gate.add(f));
        let verdict = gate.verdict(&summary);
        (summary, verdict)
    };
    Ok(finish_scan(args, &summary, verdict))
}

/// Reports errors, cut-offs and the verdict on stderr, and gives the exit code.
fn finish_scan(args: &ScanArgs, summary: &ScanSummary, verdict: gate::Verdict) -> u8 {
    if !args.quiet {
        report_summary(summary, &verdict);
    }
    exit_code(&verdict)
}

pub(crate) fn report_summary(summary: &ScanSummary, verdict: &gate::Verdict) {
    let mut err = io::stderr().lock();
    for e in &summary.errors {
        let _ = writeln!(err, "tizim: {}: {}", e.path, e.message);
    }
    // Cut-offs (limits, nesting) are shown: nothing is dropped silently.
    for n in summary.notices.iter().filter(|n| n.reason.is_some()) {
        let _ = writeln!(err, "tizim: {}: {}", n.path, n.message);
    }
    let _ = writeln!(
        err,
        "tizim: {}{}",
        crate::progress::summary_line(&summary.stats),
        crate::progress::peak_memory_note()
    );
    let _ = writeln!(err, "tizim: {}", verdict.reason);
}

pub(crate) fn exit_code(verdict: &gate::Verdict) -> u8 {
    if verdict.failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Colour the table only for a person at a terminal: not into files or
/// pipes, and never when `NO_COLOR` is set (no-color.org).
fn colour_stdout(args: &ScanArgs) -> bool {
    colour_for(args.output.as_deref())
}

/// Colour only when the report goes to a terminal and `NO_COLOR` is unset.
pub(crate) fn colour_for(output: Option<&std::path::Path>) -> bool {
    output.is_none()
        && io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").unwrap_or_default().is_empty()
}

/// `tizim demo`: writes the demo tree, drafts its policy from the bundled
/// privacy policy, and scans it. The steps go to stderr so that
/// `tizim demo --format html > demo.html` gives a clean report.
fn run_demo(args: &DemoArgs) -> Result<u8, String> {
    use clap::ValueEnum;
    let (dir, temporary) = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            (dir.clone(), false)
        }
        None => (
            tizim::demo::temporary_dir().map_err(|e| format!("demo directory: {e}"))?,
            true,
        ),
    };
    let tree = tizim::demo::write_demo_tree(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let purposes = policy::load(&tree.policy)
        .map(|p| p.purposes.len())
        .unwrap_or(0);
    {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "tizim demo");
        let _ = writeln!(
            err,
            "  1. drafted {} from the privacy policy {} ({purposes} purpose{}), and pinned payroll data to hr/",
            tree.policy.display(),
            tizim::demo::PRIVACY_POLICY_NAME,
            if purposes == 1 { "" } else { "s" },
        );
        let _ = writeln!(
            err,
            "  2. scanning {}: logs, a pg_dump, a mysqldump, a SQLite database, CSV exports, old archives",
            tree.data.display()
        );
        let _ = writeln!(err, "  3. the report shows a row in every status\n");
    }
    let format = args
        .format
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_else(|| "table".to_string());
    let cli = Cli::try_parse_from([
        "tizim".as_ref(),
        "scan".as_ref(),
        tree.data.as_os_str(),
        "--policy".as_ref(),
        tree.policy.as_os_str(),
        "--format".as_ref(),
        format.as_ref(),
        "--fail-on".as_ref(),
        "none".as_ref(),
        "--quiet".as_ref(),
    ] as [&std::ffi::OsStr; 10])
    .map_err(|e| e.to_string())?;
    let Command::Scan(scan_args) = cli.command else {
        return Err("demo: could not build the scan".to_string());
    };
    let result = run_scan(&scan_args);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let _ = writeln!(
            io::stderr(),
            "\nThe demo tree stays in {}. Scan it again with:\n  tizim scan {} --policy {}",
            dir.display(),
            tree.data.display(),
            tree.policy.display()
        );
    }
    result
}
