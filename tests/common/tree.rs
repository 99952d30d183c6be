//! Trees to scan, built in temp dirs, and the compressed files and
//! archives put in them.

use std::io::Write;
use std::path::Path;
use tempfile::TempDir;

/// A fresh temp dir whose name starts with `prefix` (so that a leftover
/// one says which test made it).
pub fn temp_dir(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temp dir")
}

/// Writes `bytes` to `path`, creating its parent directories.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

/// A temp dir holding `files`, as (relative path, text).
pub fn tree_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(&dir.path().join(name), text);
    }
    dir
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A tar with the given members, each with an mtime; a name ending in `/`
/// is a directory. Names `tar::Builder` accepts only: hostile names are
/// written into the header by hand where a test needs them.
pub fn tar(members: &[(&str, &[u8], u64)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data, mtime) in members {
        let mut h = tar::Header::new_gnu();
        if name.ends_with('/') {
            h.set_entry_type(tar::EntryType::Directory);
        }
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(*mtime);
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// The modification time [`zip`] gives every member: 2021-06-15 12:30:00
/// (zip times carry no zone; tizim reads them as UTC).
pub const ZIP_MEMBER_MTIME: i64 = 1_623_760_200;

/// A deflated zip with the given members, each modified at [`ZIP_MEMBER_MTIME`].
pub fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(members, false)
}

/// [`zip`] with ZIP64 headers on every member, as writers of large
/// archives produce them.
pub fn zip64(members: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(members, true)
}

fn zip_with(members: &[(&str, &[u8])], large_file: bool) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::from_date_and_time(2021, 6, 15, 12, 30, 0).unwrap())
        .large_file(large_file);
    for (name, data) in members {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}
