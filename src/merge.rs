//! `tizim merge`: partial reports in, one report out, as if one process had
//! scanned everything (see `tizim::partial` for the format).
//!
//! Two passes over the parts. The first checks each part whole and adds up
//! its inventory rows, fingerprint sets, subjects and summary; the second
//! reads the parts' findings again, in step, merged into report order, and
//! hands them to the gate and to the report as they come. Memory grows with
//! distinct values (the fingerprint sets), not with findings, for every
//! format but SARIF and JUnit, whose writers take a slice of findings.

use crate::cli::{self, MergeArgs};
use std::fs::File;
use std::io::{self, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use tizim::detect::{Engine, FingerprintKey};
use tizim::gate::Gate;
use tizim::inventory::InventoryBuilder;
use tizim::model::Finding;
use tizim::partial::{self, Header, MergedFindings, PartFindings};
use tizim::report::{self, Format, Report};
use tizim::scan::ScanSummary;

/// A part to read twice: a file by its path, or standard input spooled to
/// an anonymous temporary file (gone when the process ends).
enum PartSource {
    Path(PathBuf),
    Spooled(File),
}

struct Part {
    display: String,
    source: PartSource,
}

impl Part {
    fn open(&self) -> io::Result<File> {
        match &self.source {
            PartSource::Path(p) => File::open(p),
            PartSource::Spooled(f) => {
                let mut f = f.try_clone()?;
                f.rewind()?;
                Ok(f)
            }
        }
    }
}

pub fn run_merge(args: &MergeArgs) -> Result<u8, String> {
    if args.format == Format::Partial {
        return Err(
            "merge writes any format but partial (merge the parts themselves instead)".into(),
        );
    }
    let parts = find_parts(&args.parts)?;
    if parts.is_empty() {
        return Err("no partial reports found".into());
    }
    raise_open_file_limit(parts.len());
    let policy = args.policy.as_deref().map(cli::load_policy).transpose()?;
    let gate_config = cli::gate_config_from(
        args.fail_on.as_deref(),
        args.min_confidence,
        args.strict,
        policy.as_ref(),
    )?;
    let today = chrono::Local::now().date_naive();

    // Pass 1: every part checked whole before anything is written.
    let mut builder = InventoryBuilder::new(policy.as_ref(), today);
    let mut summary = ScanSummary::default();
    let mut first: Option<Header> = None;
    let mut slowest = 0;
    for part in &parts {
        let file = part.open().map_err(|e| format!("{}: {e}", part.display))?;
        let (header, contents) = partial::read_part(&mut BufReader::new(file), first.as_ref())
            .map_err(|e| format!("{}: {e}", part.display))?;
        first.get_or_insert(header);
        builder.tables(&contents.summary.tables);
        builder.absorb(contents.inventory);
        slowest = slowest.max(contents.summary.stats.elapsed_ms);
        summary.absorb(contents.summary);
    }
    summary.sort();
    // Parts run side by side: the merged scan took as long as the slowest.
    summary.stats.elapsed_ms = slowest;
    let inventory = builder.finish();
    let first = first.expect("at least one part was read");
    let key = FingerprintKey::stand_in(first.key_id.clone(), first.key_scope)?;

    // Pass 2: the findings, merged in report order as they are read.
    let mut streams = Vec::with_capacity(parts.len());
    for part in &parts {
        let file = part.open().map_err(|e| format!("{}: {e}", part.display))?;
        streams.push(PartFindings::new(BufReader::new(file)));
    }
    let mut merged = MergedFindings::new(streams);
    let engine = Engine::builtin().map_err(|e| e.to_string())?;
    let mut gate = Gate::new(gate_config.clone(), policy.as_ref(), today);
    let mut out = cli::open_output(args.output.as_deref())?;
    let mut report = Report {
        findings: &[],
        inventory: &inventory,
        policy: policy.as_ref(),
        summary: &summary,
        detectors: engine.detectors(),
        key: &key,
    };
    let mut counted = merged.by_ref().inspect(|f| {
        if let Ok(f) = f {
            gate.add(f);
        }
    });
    let written = match args.format {
        Format::Json => report::render_json_streamed(&report, &mut counted, &mut out),
        Format::Ndjson => counted.try_for_each(|f| match f {
            Ok(f) => report::write_ndjson(&f, key.id_str(), &mut out),
            Err(e) => Err(io::Error::other(e)),
        }),
        Format::Sarif | Format::Junit => {
            let findings: Vec<Finding> = counted
                .collect::<Result<_, String>>()
                .map_err(|e| format!("merge: {e}"))?;
            report.findings = &findings;
            report::render(args.format, &report, &gate_config, today, &mut out)
        }
        format => {
            // These formats show rows only; the findings still go through the gate.
            counted
                .try_for_each(|f| f.map(drop))
                .map_err(|e| format!("merge: {e}"))?;
            match format {
                Format::Table => report::table::render(
                    &report,
                    &mut out,
                    cli::colour_for(args.output.as_deref()),
                ),
                format => report::render(format, &report, &gate_config, today, &mut out),
            }
        }
    };
    written
        .and_then(|_| out.flush())
        .map_err(|e| format!("merge: {e}"))?;
    let verdict = gate.verdict(&summary);
    if !args.quiet {
        let _ = writeln!(
            io::stderr(),
            "tizim: merged {} partial report{}",
            parts.len(),
            if parts.len() == 1 { "" } else { "s" }
        );
        cli::report_summary(&summary, &verdict);
    }
    Ok(cli::exit_code(&verdict))
}

/// Files as given, directories' files (recursively, in path order), and
/// `-` spooled from standard input.
fn find_parts(args: &[PathBuf]) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            let mut spool = tempfile::tempfile().map_err(|e| format!("stdin: {e}"))?;
            io::copy(&mut io::stdin().lock(), &mut spool).map_err(|e| format!("stdin: {e}"))?;
            parts.push(Part {
                display: "<stdin>".to_string(),
                source: PartSource::Spooled(spool),
            });
            continue;
        }
        let meta = std::fs::metadata(arg).map_err(|e| format!("{}: {e}", arg.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            files_under(arg, &mut files).map_err(|e| format!("{}: {e}", arg.display()))?;
            files.sort();
            parts.extend(files.into_iter().map(|p| Part {
                display: p.display().to_string(),
                source: PartSource::Path(p),
            }));
        } else {
            parts.push(Part {
                display: arg.display().to_string(),
                source: PartSource::Path(arg.clone()),
            });
        }
    }
    Ok(parts)
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            files_under(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// The second pass holds every part open at once; a thousand parts need
/// more descriptors than the usual soft limit of 1,024.
fn raise_open_file_limit(parts: usize) {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct given.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0
                && (limit.rlim_cur as u128) < parts as u128 + 64
            {
                limit.rlim_cur = limit.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = parts;
}
