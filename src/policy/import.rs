//! Drafts a policy file from a privacy-policy text.

/// Returns the TOML draft of a policy file for `text` (Russian, Kazakh or
/// English), with the clause behind each line as a comment.
pub fn draft(text: &str) -> String {
    // SKELETON
    let _ = text;
    String::new()
}
