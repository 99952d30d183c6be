//! The embedded demo: a small tree with personal data in every status, and
//! a privacy policy to draft `tizim.toml` from.

use std::io;
use std::path::Path;

/// Writes the demo tree (and its drafted `tizim.toml`) under `dir`.
pub fn write_demo_tree(dir: &Path) -> io::Result<()> {
    // SKELETON
    std::fs::write(dir.join("app.log"), "user ivan@mail.kz logged in\n")
}
