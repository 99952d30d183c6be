//! Skips that CI refuses. `.ci/run` exports `CI=true` (as most CI services
//! do): then a test that cannot check what it is for (no browser, no tool,
//! a file system without access times) fails instead of skipping, and a knob
//! that makes a test do less is refused, so a green CI never hides a check
//! that did not run.

/// Whether `CI` is set to anything but "", "0" or "false".
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Called by a test just before it returns early without checking: outside
/// CI it says why on stderr; in CI it fails the test.
pub fn skip(reason: &str) {
    assert!(
        !in_ci(),
        "CI is set, so this test may not skip; it would have skipped because: {reason}"
    );
    eprintln!("skipping: {reason}");
}

/// The value of a test-weakening knob (an environment variable), or `None`;
/// in CI a knob that is set fails the test.
pub fn knob(name: &str) -> Option<String> {
    let value = std::env::var(name).ok()?;
    assert!(
        !in_ci(),
        "CI is set, so {name}={value:?} (which makes this test check less) is refused"
    );
    Some(value)
}
