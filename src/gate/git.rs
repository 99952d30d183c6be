//! Scanning what git says was added: the index (`--staged`), a range
//! (`--since REV`) or the whole history (`--git`).
