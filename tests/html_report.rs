//! The HTML report, opened in headless Chromium: the page must render its
//! heat map with its own script, offline, and show the status counts.
//!
//! Needs the Debian `chromium` package (or `TIZIM_CHROMIUM=/path/to/chrome`).
//! Without a browser the test fails, unless `TIZIM_SKIP_BROWSER_TESTS=1`
//! (refused when `CI` is set, as is `TIZIM_CHROMIUM`: CI uses the packaged
//! browser).
//! `TIZIM_SCREENSHOT=out.png` keeps a screenshot (and the page, as
//! `out.html`) for a human to look at.

mod common;
mod report_fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tizim::inventory::Status;
use tizim::report::Format;

fn html_report(with_policy: bool) -> (String, tizim::inventory::Inventory) {
    report_fixture::sample().render(Format::Html, with_policy, None)
}

/// The browser binary, or `None` when the test is told to skip.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = common::ci::knob("TIZIM_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    if common::ci::knob("TIZIM_SKIP_BROWSER_TESTS").as_deref() == Some("1") {
        common::ci::skip("no chromium and TIZIM_SKIP_BROWSER_TESTS=1");
        return None;
    }
    panic!(
        "headless Chromium is needed to check the HTML report: install it \
         (`apt-get install -y chromium`), point TIZIM_CHROMIUM at a Chrome binary, \
         or set TIZIM_SKIP_BROWSER_TESTS=1 to skip this test"
    );
}

/// Runs headless Chromium on `page` with `extra` arguments; returns stdout.
fn run_chromium(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let stderr = child.stderr.take().unwrap();
    let err_reader =
        std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().unwrap();
    let err = err_reader.join().unwrap();
    assert!(status.success(), "chromium failed ({status}):\n{err}");
    out
}

#[test]
fn the_page_renders_its_heat_map_and_status_counts_in_chromium() {
    let Some(browser) = chromium() else { return };
    let (html, inventory) = html_report(true);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();

    let dom = run_chromium(
        &browser,
        &dir.path().join("profile"),
        &page,
        &["--dump-dom"],
    );
    assert!(
        dom.contains(r#"data-rendered="heatmap""#),
        "the page script did not run to the end:\n{}",
        &dom[..dom.len().min(2000)]
    );
    // One coloured cell per inventory row, each carrying its row's status.
    let cells = dom.matches(r#"<td class="cell s-"#).count();
    assert_eq!(cells, inventory.rows.len(), "heat map cells");
    for status in Status::ALL {
        let expected = inventory.status_count(status).rows;
        let in_map = dom
            .matches(&format!(r#"data-status="{}" data-count="#, status.id()))
            .count() as u64;
        assert_eq!(in_map, expected, "heat map cells with status {status}");
        assert!(expected > 0, "the sample has a row in status {status}");
        let card = format!(
            r#"data-status="{id}" aria-pressed="true" title="Show or hide {id} rows"><span class="num">{expected}</span>"#,
            id = status.id()
        );
        assert!(
            dom.contains(&card),
            "status card for {status} with {expected} rows"
        );
    }
    let locations = {
        let mut l: Vec<&str> = inventory.rows.iter().map(|r| r.location.as_str()).collect();
        l.dedup();
        l.len()
    };
    assert!(
        dom.contains(&format!("Showing {locations} of {locations} locations.")),
        "the heat map has one row per location"
    );
    assert!(dom.contains("minors"), "the minors card");

    let shot = dir.path().join("report.png");
    run_chromium(
        &browser,
        &dir.path().join("profile"),
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1360,2400",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote no screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is a PNG"
    );
    if let Some(keep) = std::env::var_os("TIZIM_SCREENSHOT") {
        let keep = PathBuf::from(keep);
        std::fs::copy(&shot, &keep).unwrap();
        std::fs::copy(&page, keep.with_extension("html")).unwrap();
    }
}

#[test]
fn the_page_is_self_contained() {
    let (html, _) = html_report(true);
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("default-src 'none'"));
    for external in [
        "http://", "https://", "//cdn", " src=\"", "<link", "@import", "url(",
    ] {
        assert!(!html.contains(external), "the page references {external:?}");
    }
}

#[test]
fn without_a_policy_the_page_says_how_to_draft_one() {
    let (html, inventory) = html_report(false);
    assert!(html.contains("tizim policy import privacy.txt &gt; tizim.toml"));
    assert_eq!(
        inventory.status_count(Status::Undeclared).rows,
        inventory.rows.len() as u64
    );
    assert!(!html.contains("id=\"purposes\""));
}
