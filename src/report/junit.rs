//! Placeholder until the CI-gate branch lands the real renderer.

use super::Report;
use std::io::{self, Write};

pub fn render(report: &Report<'_>, w: &mut dyn Write) -> io::Result<()> {
    let _ = (report, w);
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "--format junit: not yet implemented",
    ))
}
